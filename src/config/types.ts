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

export interface Config {
  version?: 1;
  contract?: ContractConfig;
}
