import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { splitCommandLine } from '../embeddings/command-source.js';
import { ConfigurationError, errorMessage } from '../io/errors.js';
import { optionalField, readTable, stringField } from '../regression/tables.js';

/** One production input of a drift sample. */
export interface SampleText {
  id: string;
  text: string;
  segment: string | null;
}

/** Most bytes a `command:` sample may print (64 MiB). */
const MAX_COMMAND_OUTPUT = 64 * 1024 * 1024;

async function readParquetSample(path: string): Promise<SampleText[]> {
  let rows: Record<string, unknown>[];
  try {
    rows = await parquetReadObjects({ file: await asyncBufferFromFile(path) });
  } catch (error) {
    throw new ConfigurationError(`Parquet sample: cannot read it (${errorMessage(error)})`, { file: path });
  }
  return rows.map((row, i) => {
    if (typeof row.text !== 'string' || row.text === '') throw new ConfigurationError(`Parquet sample: row ${i}: 'text' must be a non-empty string`, { file: path });
    const id = row.id === undefined || row.id === null ? String(i + 1) : String(row.id);
    const segment = typeof row.segment === 'string' && row.segment !== '' ? row.segment : null;
    return { id, text: row.text, segment };
  });
}

/**
 * Reads a sample of production inputs: JSONL, CSV or TSV rows (or Parquet) with a `text`
 * field, an optional `id` (default: the row number) and an optional `segment`. An empty
 * sample is an error: drift cannot be judged from nothing.
 */
export async function readSample(path: string): Promise<SampleText[]> {
  const texts = extname(path).toLowerCase() === '.parquet'
    ? await readParquetSample(path)
    : (await readTable(path)).map((row, i) => ({ id: optionalField(row, 'id') ?? String(i + 1), text: stringField(row, ['text'], path), segment: optionalField(row, 'segment') ?? null }));
  if (texts.length === 0) throw new ConfigurationError('the sample holds no rows', { file: path });
  return texts;
}

/**
 * The current sample: `file:<path>` (or a bare path), or `command:<program> [args…]`, a
 * program run in the workspace (no shell) that prints the sample as JSONL on stdout. A
 * command that fails or prints nothing is an error.
 */
export async function loadSample(spec: string, workspace: string): Promise<{ texts: SampleText[]; description: string }> {
  if (!spec.startsWith('command:')) {
    const path = spec.startsWith('file:') ? spec.slice('file:'.length) : spec;
    return { texts: await readSample(resolve(workspace, path)), description: path };
  }
  const [program, ...args] = splitCommandLine(spec.slice('command:'.length).trim());
  if (!program) throw new ConfigurationError("input 'sample': command: needs a program");
  const stdout = await new Promise<string>((done, fail) => {
    execFile(program, args, { cwd: workspace, maxBuffer: MAX_COMMAND_OUTPUT, encoding: 'utf8' }, (error, out, err) => {
      if (error) fail(new ConfigurationError(`the sample command ${program} failed: ${errorMessage(error)}${err ? `; stderr: ${err.slice(0, 500)}` : ''}`));
      else done(out);
    });
  });
  const dir = await mkdtemp(join(tmpdir(), 'model-gates-sample-'));
  try {
    const file = join(dir, 'sample.jsonl');
    await writeFile(file, stdout);
    return { texts: await readSample(file), description: `command:${program}` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
