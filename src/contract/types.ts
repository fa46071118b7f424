import type { ReleaseLineage } from '../ledger/types.js';
/** Types of `schemas/contract.schema.json` (`model-gates/contract@1`). Keep the two in step. */

export interface EmbeddingSpace {
  dimension: number;
  dtype: 'float32' | 'float16' | 'bfloat16' | 'int8' | 'uint8' | 'binary';
  normalized: boolean;
  metric: 'cosine' | 'dot' | 'euclidean';
  space: string;
  /** Text put before each input, per side; part of the space. */
  prompts?: { query?: string; passage?: string };
}

export interface Contract {
  apiVersion: 'model-gates/contract@1';
  name: string;
  version: string;
  description?: string;
  task: string;
  artifact: { uri: string; digest: string; format?: string };
  embedding?: EmbeddingSpace;
  io: { input: Record<string, unknown>; output: Record<string, unknown> };
  limits?: { maxInputTokens?: number; p95LatencyMs?: number; memoryMb?: number; batchSize?: number };
  lineage?: ReleaseLineage;
  owners?: string[];
  examples?: { name?: string; input: unknown }[];
}
