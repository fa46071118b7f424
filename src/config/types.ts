/** Types of `schemas/config.schema.json`. Keep the two in step. */

export type LineageField = 'trainingData' | 'codeCommit' | 'baseModel' | 'hyperparameters' | 'evaluation';

export interface EndpointConfig {
  url: string;
  model?: string;
  apiKeyEnv?: string;
  requests?: number;
  timeoutMs?: number;
}

export interface ContractConfig {
  lineage?: { required?: LineageField[] };
  endpoint?: EndpointConfig;
}

/** Project defaults for embedding-regression (documented in schemas/config.schema.json). */
export interface RegressionConfig {
  confidence?: number;
  resamples?: number;
  seed?: number;
  minSegmentSize?: number;
  worstItems?: number;
  tolerance?: { pairs?: number; triplets?: number; retrieval?: number };
  minOverlap?: number;
}

/** Settings for one model's embedding source (`embeddings.defaults`, `.production`, `.candidate`). */
export interface EmbeddingSourceConfig {
  /** Model name sent to an `openai:` endpoint. */
  model?: string;
  /** Environment variable holding the endpoint's API key. */
  apiKeyEnv?: string;
  /** Texts per request (`openai:`); default 64. */
  batchSize?: number;
  /** Requests in flight at once (`openai:`); default 4. */
  concurrency?: number;
  /** Retries of a request after a 429, a 5xx, a timeout or a network error; default 5. */
  retries?: number;
  /** Milliseconds before one `openai:` request is abandoned and retried; default 60000. */
  timeoutMs?: number;
  /** Every vector must have this dimension. */
  dimension?: number;
  /** Model version or digest: the embedding cache's key (see docs/embedding-sources.md). */
  version?: string;
}

export interface EmbeddingsConfig {
  /** Folder of the embedding cache, relative to the workspace; default `.model-gates/cache`. */
  cacheDir?: string;
  /** Set false to turn the embedding cache off. */
  cache?: boolean;
  /** Settings shared by both roles; a role's own section overrides them key by key. */
  defaults?: EmbeddingSourceConfig;
  production?: EmbeddingSourceConfig;
  candidate?: EmbeddingSourceConfig;
}

export interface Config {
  version?: 1;
  contract?: ContractConfig;
  regression?: RegressionConfig;
  embeddings?: EmbeddingsConfig;
}
