import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  cacheDirectory,
  CommandSource,
  createCacheStore,
  createSource,
  FileSource,
  OpenAiSource,
  roleConfig,
  withCache,
  type CreateSourceOptions,
} from '../../src/embeddings/sources.js';
import { loadConfig } from '../../src/config/load.js';
import type { EmbeddingsConfig } from '../../src/config/types.js';
import { ConfigurationError } from '../../src/io/errors.js';
import { MemoryLogger, silentLogger } from '../../src/io/log.js';
import { EmbeddingServer } from '../support/openai-server.js';
import { npyBytes, tempFolder } from '../support/vector-files.js';

let folder: Awaited<ReturnType<typeof tempFolder>>;
let secrets: string[];
beforeEach(async () => {
  folder = await tempFolder('mg-sources-');
  secrets = [];
});
afterEach(() => folder.cleanup());

const base = (config?: EmbeddingsConfig, env: NodeJS.ProcessEnv = {}): CreateSourceOptions => ({
  role: 'candidate',
  workspace: folder.dir,
  config,
  env,
  setSecret: (v) => secrets.push(v),
  log: silentLogger,
});

async function configurationError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigurationError);
  return (error as Error).message;
}

describe('createSource', () => {
  it('parses each scheme into its source', async () => {
    expect(await createSource('file:vectors/prod.npy', base())).toBeInstanceOf(FileSource);
    expect(await createSource('openai:http://127.0.0.1:9/v1', base())).toBeInstanceOf(OpenAiSource);
    const command = await createSource('command:python3 embed.py --model "a b"', base());
    expect(command).toBeInstanceOf(CommandSource);
    expect(command.description).toBe('command:python3 embed.py --model "a b"');
  });

  it('lists the valid schemes for an unknown or missing one', async () => {
    expect(await configurationError(createSource('s3://bucket/x.npy', base()))).toMatch(/unknown embedding source scheme 's3:'; valid forms: file:…, openai:…, command:…/);
    expect(await configurationError(createSource('vectors.npy', base()))).toMatch(/is not an embedding source; valid forms: file:…, openai:…, command:…/);
    expect(await configurationError(createSource('file:', base()))).toMatch(/'file:' needs a value after the colon/);
    expect(await configurationError(createSource('openai:not a url', base()))).toMatch(/is not a URL/);
    expect(await configurationError(createSource('openai:https://user:sk-123@example.com/v1', base()))).toMatch(/not in the URL/);
  });

  it('reads the key from the named variable, registers it as a secret, and fails without it', async () => {
    const config: EmbeddingsConfig = { candidate: { apiKeyEnv: 'CANDIDATE_KEY', model: 'm' } };
    expect(await configurationError(createSource('openai:http://127.0.0.1:9', base(config)))).toMatch(
      /the environment variable CANDIDATE_KEY \(embeddings\.candidate\.apiKeyEnv\) is empty or not set/,
    );
    const server = await new EmbeddingServer({ dimension: 4, apiKey: 'sk-live-secret' }).start();
    try {
      const source = await createSource(`openai:${server.url}/v1`, base(config, { CANDIDATE_KEY: 'sk-live-secret' }));
      expect(secrets).toEqual(['sk-live-secret']);
      expect(source.description).not.toContain('sk-live-secret');
      const log = new MemoryLogger();
      const m = await source.embed([{ id: 'a', text: 'dog' }], { log });
      expect(m.dim).toBe(4);
      expect(server.requests[0]?.authorization).toBe('Bearer sk-live-secret');
    } finally {
      await server.stop();
    }
  });

  it('keeps secrets out of plain headers and checks the API options against each other', async () => {
    const url = 'openai:https://name.openai.azure.com/openai/deployments/small/embeddings?api-version=2024-10-21';
    expect(await configurationError(createSource(url, base({ candidate: { headers: { 'Api-Key': 'sk-1' } } })))).toMatch(
      /embeddings\.candidate\.headers\.Api-Key would put a secret in the configuration; name the variable holding it in apiKeyEnv/,
    );
    expect(await configurationError(createSource(url, base({ candidate: { apiKeyHeader: 'api-key' } })))).toMatch(/apiKeyHeader is set but apiKeyEnv is not/);
    expect(await configurationError(createSource(url, base({ candidate: { dimension: 768, dimensions: 256 } })))).toMatch(/dimensions \(256, asked of the server\) differs from dimension \(768/);
    const source = await createSource(url, base({ candidate: { apiKeyEnv: 'AZURE_KEY', apiKeyHeader: 'api-key', dimensions: 256 } }, { AZURE_KEY: 'k' }));
    // The query may hold a key: logs and the cache's key file leave it out.
    expect(source.cacheKey).toBe('openai:https://name.openai.azure.com/openai/deployments/small/embeddings#@256');
    expect(source.description).not.toContain('api-version');
  });

  it('applies role settings over defaults', async () => {
    const config: EmbeddingsConfig = { defaults: { batchSize: 8, model: 'shared', dimension: 3 }, production: { model: 'prod-v1' } };
    expect(roleConfig(config, 'production')).toEqual({ batchSize: 8, model: 'prod-v1', dimension: 3 });
    expect(roleConfig(config, 'candidate')).toEqual({ batchSize: 8, model: 'shared', dimension: 3 });
    expect(roleConfig(undefined, 'candidate')).toEqual({});
    const server = await new EmbeddingServer({ dimension: 4, maxBatch: 8 }).start();
    try {
      const source = await createSource(`openai:${server.url}`, { ...base(config), role: 'production' });
      expect(source.cacheKey).toBe(`openai:${server.url}/v1/embeddings#prod-v1`);
      // The dimension 3 from the defaults is enforced against the server's 4.
      expect(await configurationError(source.embed([{ id: 'a', text: 'x' }], { log: silentLogger }))).toMatch(/expected the configured dimension 3/);
    } finally {
      await server.stop();
    }
  });

  it('resolves file paths against the workspace and applies the expected dimension', async () => {
    await folder.file('prod.npy', npyBytes([[1, 2], [3, 4]]));
    const source = await createSource('file:prod.npy', base());
    const m = await source.embed([{ id: 'a', text: '' }, { id: 'b', text: '' }], { log: silentLogger });
    expect([...m.data]).toEqual([1, 2, 3, 4]);
    const strict = await createSource('file:prod.npy', base({ candidate: { dimension: 5 } }));
    expect(await configurationError(strict.embed([{ id: 'a', text: '' }, { id: 'b', text: '' }], { log: silentLogger }))).toMatch(/prod\.npy: .*dimension 2, expected 5/);
  });

  it('runs command: programs in the workspace and caches them only with a version', async () => {
    const script = fileURLToPath(new URL('../fixtures/embeddings/embed-command.mjs', import.meta.url));
    const spec = `command:"${process.execPath}" "${script}"`;
    expect((await createSource(spec, base())).cacheKey).toBeNull();
    const versioned = await createSource(spec, base({ candidate: { version: 'embed-v3' } }));
    expect(versioned.cacheKey).toBe('command:embed-v3');
    const store = createCacheStore(folder.dir, {});
    const cached = withCache(versioned, store!);
    const m = await cached.embed([{ id: 'a', text: 'dog' }], { log: silentLogger });
    expect([...m.data]).toEqual([3, 100, 1]);
  });
});

describe('cache location', () => {
  it('defaults to .model-gates/cache in the workspace, honours cacheDir and cache: false', () => {
    expect(cacheDirectory('/w', undefined)).toBe('/w/.model-gates/cache');
    expect(cacheDirectory('/w', { cacheDir: 'tmp/emb' })).toBe('/w/tmp/emb');
    expect(cacheDirectory('/w', { cacheDir: '/abs' })).toBe('/abs');
    expect(createCacheStore('/w', { cache: false })).toBeUndefined();
    expect(createCacheStore('/w', {})?.dir).toBe('/w/.model-gates/cache');
  });
});

describe('embeddings config section', () => {
  it('validates against the published schema, with located errors', async () => {
    await folder.file(
      'model-gates.yml',
      ['version: 1', 'embeddings:', '  cacheDir: .cache/emb', '  defaults: { batchSize: 32 }', '  production:', '    model: prod', '    apiKeyEnv: PROD_KEY', ''].join('\n'),
    );
    const { config } = await loadConfig(undefined, folder.dir);
    expect(config.embeddings).toEqual({ cacheDir: '.cache/emb', defaults: { batchSize: 32 }, production: { model: 'prod', apiKeyEnv: 'PROD_KEY' } });
    await folder.file('bad.yml', ['embeddings:', '  candidate:', '    concurency: 2', '    batchSize: 0', ''].join('\n'));
    const message = await configurationError(loadConfig('bad.yml', folder.dir));
    expect(message).toMatch(/bad\.yml:3:\d+: 'embeddings\.candidate' has unknown property 'concurency'/);
    expect(message).toMatch(/bad\.yml:4:\d+: 'embeddings\.candidate\.batchSize' must be >= 1/);
  });
});
