import { isAbsolute, resolve } from 'node:path';
import type { EmbeddingsConfig, EmbeddingSourceConfig } from '../config/types.js';
import { ConfigurationError } from '../io/errors.js';
import type { Logger } from '../io/log.js';
import { DEFAULT_CACHE_DIR, LocalCacheStore } from './cache.js';
import { CommandSource } from './command-source.js';
import { FileSource } from './file-source.js';
import { OpenAiSource, type OpenAiSourceOptions } from './openai.js';
import { hasPrompts, withPrompts } from './prompts.js';
import type { EmbeddingSource } from './types.js';

export { ACTIONS_CACHE_KEY_PREFIX, actionsCacheKeys, DEFAULT_CACHE_DIR, DEFAULT_CACHE_MAX_AGE_DAYS, LocalCacheStore, textHash, withCache, type CacheOptions, type EmbeddingCacheStore } from './cache.js';
export { CommandSource, splitCommandLine, type CommandSourceOptions } from './command-source.js';
export { FileSource, FILE_FORMATS, readVectorFile } from './file-source.js';
export { hasPrompts, withPrompts } from './prompts.js';
export { OpenAiSource, embeddingsEndpoint, retryAfterMs, type OpenAiSourceOptions } from './openai.js';

/** The spec schemes `production` and `candidate` accept. */
export const SOURCE_SCHEMES = ['file', 'openai', 'command'] as const;

export type SourceRole = 'production' | 'candidate';

export interface CreateSourceOptions {
  role: SourceRole;
  /** Relative file paths, the command's working directory and the cache folder resolve here. */
  workspace: string;
  config: EmbeddingsConfig | undefined;
  env: NodeJS.ProcessEnv;
  /** Registers a secret (the API key) so the runner masks it. */
  setSecret(value: string): void;
  log: Logger;
}

/** The role's settings: `embeddings.defaults` overridden key by key by `embeddings.<role>`. */
export function roleConfig(config: EmbeddingsConfig | undefined, role: SourceRole): EmbeddingSourceConfig {
  return { ...config?.defaults, ...config?.[role] };
}

/**
 * Builds a source from a spec string:
 * - `file:<path>`: precomputed vectors, format by extension (.npy, .safetensors, .jsonl, .parquet);
 * - `openai:<base-url>`: an OpenAI-compatible embeddings endpoint;
 * - `command:<program> [args…]`: a program reading JSONL texts on stdin, writing vectors on stdout.
 * Settings come from `embeddings.defaults` and `embeddings.<role>`; the role's `prompts` wrap
 * the source (see withPrompts). The API key (from the
 * variable named by `apiKeyEnv`) is registered as a secret before anything can log it.
 * The returned source is not cached: wrap it with `withCache(source, createCacheStore(...))`.
 * An empty spec, an unknown scheme or a missing key variable is a ConfigurationError.
 */
export async function createSource(spec: string, options: CreateSourceOptions): Promise<EmbeddingSource> {
  const { role, workspace, env } = options;
  const settings = roleConfig(options.config, role);
  const match = /^([a-z][a-z0-9+-]*):(.*)$/is.exec(spec.trim());
  const valid = `valid forms: ${SOURCE_SCHEMES.map((s) => `${s}:…`).join(', ')} (e.g. file:embeddings/prod.npy, openai:https://api.openai.com/v1, command:python3 embed.py)`;
  if (!match) throw new ConfigurationError(`${role}: ${JSON.stringify(spec)} is not an embedding source; ${valid}`);
  const scheme = (match[1] as string).toLowerCase();
  const rest = (match[2] as string).trim();
  if (rest === '') throw new ConfigurationError(`${role}: '${scheme}:' needs a value after the colon; ${valid}`);

  const prompted = (source: EmbeddingSource): EmbeddingSource => (hasPrompts(settings.prompts) ? withPrompts(source, settings.prompts) : source);
  switch (scheme) {
    case 'file':
      if (hasPrompts(settings.prompts)) options.log.warning(`${role}: embeddings.${role}.prompts do not apply to file: vectors, which were embedded before (with whatever prompts they were made with)`);
      return new FileSource(rest, workspace, settings.dimension);
    case 'openai':
      return prompted(new OpenAiSource(openAiOptions(rest, options)));
    case 'command':
      return prompted(new CommandSource({
        commandLine: rest,
        cwd: workspace,
        env,
        ...(settings.dimension !== undefined ? { dimension: settings.dimension } : {}),
        ...(settings.version !== undefined ? { version: settings.version } : {}),
      }));
    default:
      throw new ConfigurationError(`${role}: unknown embedding source scheme '${scheme}:'; ${valid}`);
  }
}

/**
 * The options of an `openai:<base-url>` source (the part after the colon), with the role's
 * settings and its API key, registered as a secret. A bad URL, credentials in the URL or an
 * empty key variable are ConfigurationErrors.
 */
export function openAiOptions(url: string, options: Pick<CreateSourceOptions, 'role' | 'config' | 'env' | 'setSecret'>): OpenAiSourceOptions {
  const { role, env } = options;
  const settings = roleConfig(options.config, role);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigurationError(`${role}: ${JSON.stringify(url)} is not a URL (expected e.g. openai:http://127.0.0.1:8080/v1)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ConfigurationError(`${role}: openai: needs an http or https URL, got ${parsed.protocol}`);
  if (parsed.username || parsed.password) throw new ConfigurationError(`${role}: put the API key in an environment variable named by embeddings.${role}.apiKeyEnv, not in the URL`);
  let apiKey: string | undefined;
  if (settings.apiKeyEnv) {
    apiKey = env[settings.apiKeyEnv];
    if (!apiKey) throw new ConfigurationError(`${role}: the environment variable ${settings.apiKeyEnv} (embeddings.${role}.apiKeyEnv) is empty or not set`);
    options.setSecret(apiKey);
  }
  for (const name of Object.keys(settings.headers ?? {})) {
    if (/^(authorization|api-key|x-api-key|proxy-authorization|cookie)$/i.test(name) || name.toLowerCase() === settings.apiKeyHeader?.toLowerCase()) {
      throw new ConfigurationError(`${role}: embeddings.${role}.headers.${name} would put a secret in the configuration; name the variable holding it in apiKeyEnv (and the header in apiKeyHeader)`);
    }
  }
  if (settings.apiKeyHeader && !settings.apiKeyEnv) throw new ConfigurationError(`${role}: embeddings.${role}.apiKeyHeader is set but apiKeyEnv is not: name the variable that holds the key`);
  if (settings.dimension !== undefined && settings.dimensions !== undefined && settings.dimension !== settings.dimensions) {
    throw new ConfigurationError(`${role}: embeddings.${role}.dimensions (${settings.dimensions}, asked of the server) differs from dimension (${settings.dimension}, expected of the vectors)`);
  }
  const { prompts: _prompts, ...sourceSettings } = settings;
  return { url, ...definedOnly(sourceSettings), ...(apiKey ? { apiKey } : {}) };
}

/** The entries of `value` whose values are defined. */
export function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The cache folder for a workspace: `embeddings.cacheDir` (relative to the workspace) or `.model-gates/cache`. */
export function cacheDirectory(workspace: string, config: EmbeddingsConfig | undefined): string {
  const dir = config?.cacheDir ?? DEFAULT_CACHE_DIR;
  return isAbsolute(dir) ? dir : resolve(workspace, dir);
}

/** The local cache store for a workspace, or undefined when `embeddings.cache` is false. */
export function createCacheStore(workspace: string, config: EmbeddingsConfig | undefined): LocalCacheStore | undefined {
  if (config?.cache === false) return undefined;
  return new LocalCacheStore(cacheDirectory(workspace, config));
}
