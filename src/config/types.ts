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

/** Which change of a canary metric is bad. */
export type CanaryDirection = 'increase' | 'decrease' | 'either';

/** One metric the canary judge compares between baseline and canary. */
export interface CanaryMetricConfig {
  /** Unique name; used in results as `canary.<name>.*`. */
  name: string;
  /** PromQL template; `{{group}}` becomes the baseline or canary label value. Required for the prometheus source. */
  query?: string;
  direction: CanaryDirection;
  /** Tolerated shift as a fraction of the baseline median (default 0.05). */
  relativeTolerance?: number;
  /** @deprecated The old name of `relativeTolerance`; the config loader renames it with a warning. */
  tolerance?: number;
  /** Tolerated shift in the metric's own unit (default 0); the larger of the two applies. */
  absoluteTolerance?: number;
  /** A failing critical metric fails the whole analysis (default false). */
  critical?: boolean;
  /** Weight in the score (default 1). */
  weight?: number;
  /** Fewer samples than this in either group is no-data (default 10). */
  minSamples?: number;
  /** Drop values beyond Tukey's fences before judging (default keep). */
  outliers?: 'keep' | 'remove';
  /** k of the fences [Q1 − k·IQR, Q3 + k·IQR] (default 3). */
  outlierFactor?: number;
  /** A counter metric: the samples count events, these count trials; judged with a two-proportion test. */
  total?: { name: string; query?: string };
}

export interface CanaryPrometheusConfig {
  url?: string;
  bearerTokenEnv?: string;
  usernameEnv?: string;
  passwordEnv?: string;
  timeoutMs?: number;
}

export interface CanaryConfig {
  prometheus?: CanaryPrometheusConfig;
  /** Confidence of the whole analysis (default 0.95): the false-fail rate is at most 1 − confidence. */
  confidence?: number;
  /** Score thresholds, 0–100 (defaults: pass 95, marginal 75). */
  thresholds?: { pass?: number; marginal?: number };
  metrics: CanaryMetricConfig[];
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
/** Sentence-transformers' prompts: text put before an input, by the side it is on. */
export interface Prompts {
  query?: string;
  passage?: string;
}

export interface EmbeddingSourceConfig {
  /** Model name sent to an `openai:` endpoint. */
  model?: string;
  /** Environment variable holding the endpoint's API key. */
  apiKeyEnv?: string;
  /** Texts per request (`openai:`); default 64. */
  batchSize?: number;
  /** Requests in flight at once (`openai:`); default 8. */
  concurrency?: number;
  /** Retries of a request after a 429, a 5xx, a timeout or a network error; default 5. */
  retries?: number;
  /** Milliseconds before one `openai:` request is abandoned and retried; default 60000. */
  timeoutMs?: number;
  /** Every vector must have this dimension. */
  dimension?: number;
  /** Sent as the API's `dimensions` (Matryoshka truncation); the vectors must have it. */
  dimensions?: number;
  /** `base64`, `float`, or `auto` (base64, float for a server that refuses it); default auto. */
  encodingFormat?: 'auto' | 'base64' | 'float';
  /** Header carrying the API key instead of `Authorization: Bearer` (Azure: `api-key`). */
  apiKeyHeader?: string;
  /** Further request headers with plain values. */
  headers?: Record<string, string>;
  /** Text put before each input: `query` for queries and compared texts, `passage` for searched documents. */
  prompts?: Prompts;
  /** Model version or digest: the embedding cache's key (see docs/embedding-sources.md). */
  version?: string;
}

export interface EmbeddingsConfig {
  /** Folder of the embedding cache, relative to the workspace; default `.model-gates/cache`. */
  cacheDir?: string;
  /** Set false to turn the embedding cache off. */
  cache?: boolean;
  /** In Actions, models unused for this many days are dropped before the folder is saved (default 30). */
  cacheMaxAgeDays?: number;
  /** Settings shared by both roles; a role's own section overrides them key by key. */
  defaults?: EmbeddingSourceConfig;
  production?: EmbeddingSourceConfig;
  candidate?: EmbeddingSourceConfig;
}

export interface Config {
  version?: 1;
  contract?: ContractConfig;
  canary?: CanaryConfig;
  regression?: RegressionConfig;
  embeddings?: EmbeddingsConfig;
  gate?: GateConfig;
  promote?: PromoteConfig;
  monitor?: MonitorConfig;
}

/** The serving switch's backend and where it writes (`promote.switch`). */
export interface SwitchConfig {
  backend: 'none' | 'environment-variables' | 'flagd' | 'flagd-file';
  repository?: string;
  path?: string;
  branch?: string;
  prefix?: string;
}

/** The `promote` section: the serving switch, the stages, the release record. */
export interface PromoteConfig {
  switch?: SwitchConfig;
  stages?: string[];
  stageMaxMinutes?: number;
  artifactMaxBytes?: number;
  publishRelease?: boolean;
}

/** The `monitor` section (schemas/config.schema.json documents each key). */
export interface MonitorConfig {
  vectorFloor?: number;
  drift?: { alpha?: number; permutations?: number; componentShare?: number; maxRows?: number; minSegmentSize?: number; seed?: number };
  issue?: { labels?: string[]; assignees?: string[]; mentionOwners?: boolean };
}

/** Users (logins) and teams (`org/team-slug`) a gate rule accepts. */
export interface PeopleConfig {
  users?: string[];
  teams?: string[];
}

export type ComparisonOp = '<' | '<=' | '>' | '>=' | '==' | '!=';

/** One rule over a result metric: `metric op value`. */
export interface ThresholdConfig {
  metric: string;
  op: ComparisonOp;
  value: number;
  /** A missing or null metric skips the rule instead of failing it (default false). */
  optional?: boolean;
  /** Id or kind of the result holding the metric; needed when several results have it. */
  result?: string;
}

/** The `gate` section: the promotion policy (schemas/config.schema.json documents each key). */
export interface GateConfig {
  requiredChecks?: { kinds?: ('contract' | 'embedding-regression' | 'canary-analysis' | 'shadow')[]; ids?: string[] };
  thresholds?: ThresholdConfig[];
  approvals?: { count: number; from: PeopleConfig };
  /** `owners`: the owners the contract result records (`details.owners`). */
  marginal?: { count: number; from: 'owners' | PeopleConfig };
  environment?: { name?: string; required?: boolean; allowed?: PeopleConfig };
  override?: { label: string; authorised: PeopleConfig };
  /** Default `model-gates/gate`. */
  statusContext?: string;
}
