import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { ConfigurationError, isNodeError, type Problem } from '../io/errors.js';
import { schemaProblems } from '../io/schema.js';
import type { Result } from './types.js';
import { readTextFile } from '../io/text.js';

/** File name of a result inside a results directory. */
export function resultFileName(result: Pick<Result, 'id' | 'shard'>): string {
  return result.shard ? `${result.id}.shard-${result.shard.index}-of-${result.shard.count}.json` : `${result.id}.json`;
}

/**
 * Validates a result against the published schema and writes it atomically to
 * `<dir>/<id>.json`. An invalid result is a bug in model-gates, not a user error.
 * @returns the path written.
 */
export async function writeResult(dir: string, result: Result): Promise<string> {
  const problems = schemaProblems('result', result);
  if (problems.length > 0) {
    throw new Error(`internal error: result '${result.id}' does not match result.schema.json:\n${problems.map((p) => p.message).join('\n')}`);
  }
  const path = join(dir, resultFileName(result));
  await writeFileAtomic(path, `${JSON.stringify(result, null, 2)}\n`);
  return path;
}

/** Reads and validates one result file. Anything invalid is a ConfigurationError naming the file. */
export async function readResult(path: string): Promise<Result> {
  let text: string;
  try {
    text = await readTextFile(path);
  } catch (error) {
    if (isNodeError(error, 'ENOENT')) throw new ConfigurationError('result file not found', { file: path });
    if (isNodeError(error, 'EISDIR')) throw new ConfigurationError('result file is a directory, expected a file', { file: path });
    throw error;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(`not valid JSON: ${error instanceof Error ? error.message : String(error)}`, { file: path });
  }
  const problems = schemaProblems('result', data, { file: path });
  if (problems.length > 0) throw new ConfigurationError(problems);
  return data as Result;
}

/**
 * Reads every `*.json` result in a directory (not recursive), sorted by file name so
 * that the order never depends on the file system. Every file is validated; all
 * problems are reported together.
 */
export async function readResults(dir: string): Promise<Result[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort();
  } catch (error) {
    if (isNodeError(error, 'ENOENT')) throw new ConfigurationError('results directory not found', { file: dir });
    if (isNodeError(error, 'ENOTDIR')) throw new ConfigurationError('results directory is a file, expected a directory', { file: dir });
    throw error;
  }
  const results: Result[] = [];
  const problems: Problem[] = [];
  for (const name of names) {
    try {
      results.push(await readResult(join(dir, name)));
    } catch (error) {
      if (error instanceof ConfigurationError) problems.push(...error.problems);
      else throw error;
    }
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  return results;
}
