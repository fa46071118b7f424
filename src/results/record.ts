import { resolve } from 'node:path';
import type { RunContext } from './context.js';
import { withProvenance, type ResultBody } from './provenance.js';
import { writeResult } from './store.js';
import type { Result } from './types.js';

export interface RecordOptions {
  context: RunContext;
  /** The `results-dir` input; relative paths resolve against the workspace. */
  resultsDir: string;
  /** What determined the verdict, digested into `provenance.inputsDigest`; or, as `{ digest }`, that digest itself. */
  digest: { of: unknown } | { digest: string };
  startedAt: Date;
}

export interface Recorded {
  result: Result;
  /** Absolute path of the result file written. */
  file: string;
  /** The result's summary when its verdict is fail or error (the step must exit 1), else undefined. */
  failure: string | undefined;
}

/**
 * The last step of every check: stamps provenance on the body, writes the result atomically
 * to `<results-dir>/<file name>` and says whether the step must fail.
 */
export async function recordResult(body: ResultBody, options: RecordOptions): Promise<Recorded> {
  const result = withProvenance(body, options.context, 'of' in options.digest ? options.digest.of : null, options.startedAt);
  if ('digest' in options.digest) result.provenance.inputsDigest = options.digest.digest;
  const file = await writeResult(resolve(options.context.workspace, options.resultsDir), result);
  return { result, file, failure: result.verdict === 'fail' || result.verdict === 'error' ? result.summary : undefined };
}
