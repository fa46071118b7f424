import { digestOf } from '../io/digest.js';
import { TOOL_VERSION } from '../version.js';
import type { RunContext } from './context.js';
import { RESULT_SCHEMA, type Result } from './types.js';

/** A result as a check computes it, before provenance is stamped on. */
export type ResultBody = Omit<Result, 'schema' | 'provenance'>;

/**
 * Completes a check's result with its provenance: tool version, commit, run link, the
 * digest of everything that determined the verdict, and start/finish times.
 */
export function withProvenance(body: ResultBody, context: RunContext, digestInputs: unknown, startedAt: Date, finishedAt = new Date()): Result {
  return {
    schema: RESULT_SCHEMA,
    ...body,
    provenance: {
      tool: 'model-gates',
      version: TOOL_VERSION,
      commit: context.commit,
      ref: context.ref,
      repository: context.repository,
      runUrl: context.runUrl,
      inputsDigest: digestOf(digestInputs),
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
    },
  };
}
