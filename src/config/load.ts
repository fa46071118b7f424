import { access } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { assertSchema } from '../io/schema.js';
import { readYamlFile, type SourceDocument } from '../io/yaml.js';
import type { Config } from './types.js';

/** The config file used when the `config` input is empty and the file exists. */
export const DEFAULT_CONFIG_FILE = 'model-gates.yml';

export interface LoadedConfig {
  config: Config;
  /** The parsed file, to locate config values in messages; undefined when no file was read. */
  source?: SourceDocument;
}

/**
 * Loads the project's config file. An explicit path must exist; with none given,
 * `model-gates.yml` in the workspace is read when present, and an empty config is used
 * otherwise. The whole file is validated against `schemas/config.schema.json`.
 */
export async function loadConfig(path: string | undefined, workspace: string): Promise<LoadedConfig> {
  let file = path;
  if (!file) {
    // Joined by hand: ncc's asset relocator would otherwise bundle a copy of the file.
    const fallback = `${workspace}${sep}${DEFAULT_CONFIG_FILE}`;
    try {
      await access(fallback);
      file = fallback;
    } catch {
      return { config: {} };
    }
  }
  const source = await readYamlFile(resolve(workspace, file), 'config file');
  const data = source.data ?? {};
  return { config: assertSchema<Config>('config', data, source), source };
}
