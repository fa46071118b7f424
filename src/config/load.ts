import { access } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import type { Problem } from '../io/errors.js';
import { assertSchema } from '../io/schema.js';
import { readYamlFile, type SourceDocument } from '../io/yaml.js';
import type { Config } from './types.js';

/** The config file used when the `config` input is empty and the file exists. */
export const DEFAULT_CONFIG_FILE = 'model-gates.yml';

export interface LoadedConfig {
  config: Config;
  /** The parsed file, to locate config values in messages; undefined when no file was read. */
  source?: SourceDocument;
  /** Deprecated keys the file still uses, each with its place and its new name (already applied to `config`). */
  deprecations: Problem[];
}

/**
 * Renames deprecated keys to their current names in place and says where each one was.
 * `canary.metrics[].tolerance` is `relativeTolerance` now: a fraction of the baseline
 * median, which a reader could confuse with regression's `tolerance`, an absolute drop.
 */
function upgradeDeprecatedKeys(config: Config, source: SourceDocument): Problem[] {
  const problems: Problem[] = [];
  for (const [i, metric] of (config.canary?.metrics ?? []).entries()) {
    if (metric.tolerance === undefined) continue;
    const location = source.locate(['canary', 'metrics', i, 'tolerance']);
    if (metric.relativeTolerance === undefined) {
      metric.relativeTolerance = metric.tolerance;
      problems.push({ message: `canary metric '${metric.name}': 'tolerance' is deprecated; rename it to 'relativeTolerance' (a fraction of the baseline median)`, location });
    } else {
      problems.push({ message: `canary metric '${metric.name}': 'tolerance' is deprecated and ignored, since 'relativeTolerance' is set; remove it`, location });
    }
    delete metric.tolerance;
  }
  return problems;
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
      return { config: {}, deprecations: [] };
    }
  }
  const source = await readYamlFile(resolve(workspace, file), 'config file');
  const data = source.data ?? {};
  const config = assertSchema<Config>('config', data, source);
  return { config, source, deprecations: upgradeDeprecatedKeys(config, source) };
}
