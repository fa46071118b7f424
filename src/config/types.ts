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

export interface Config {
  version?: 1;
  contract?: ContractConfig;
  regression?: RegressionConfig;
}
