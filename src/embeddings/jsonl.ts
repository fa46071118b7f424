import { ConfigurationError } from '../io/errors.js';
import type { VectorTable } from './table.js';
import { ProblemCollector } from '../io/problems.js';
import { readLines } from '../io/text.js';

/**
 * Collects `{"id": string, "embedding": number[]}` lines into a table, checking each line as
 * it comes: valid JSON, a string id seen once, an array of finite numbers as long as the
 * first line's. Problems are ConfigurationErrors with the file (or stream name) and line.
 * Blank lines are skipped.
 */
export class JsonlVectorCollector {
  private data = new Float32Array(1024);
  private lineNumbers = new Int32Array(64);
  private readonly ids: string[] = [];
  private readonly seen = new Map<string, number>();
  private dim = -1;

  /**
   * @param problems when given, a bad line is recorded there and skipped (the caller throws
   *   once all lines are read); otherwise `add` throws at the first bad line (a stream that
   *   should stop at once).
   */
  constructor(
    private readonly file: string,
    private readonly problems?: ProblemCollector,
  ) {}

  get rows(): number {
    return this.ids.length;
  }

  /** Parses one line (1-based `line` for messages). */
  add(text: string, line: number): void {
    if (this.problems) this.problems.attempt(() => this.parse(text, line));
    else this.parse(text, line);
  }

  private parse(text: string, line: number): void {
    if (text.trim() === '') return;
    const fail = (message: string): never => {
      throw new ConfigurationError(message, { file: this.file, line });
    };
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      const id = /"id"\s*:\s*("(?:[^"\\]|\\.)*")/.exec(text)?.[1];
      if (/(?<![\w"])(-?Infinity|NaN)(?![\w"])/.test(text)) fail(`the embedding${id ? ` for id ${id}` : ''} has a non-finite value (NaN or Infinity)`);
      return fail('not valid JSON: expected {"id": "...", "embedding": [numbers]}');
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return fail('expected a JSON object {"id": "...", "embedding": [numbers]}');
    const { id, embedding } = value as { id?: unknown; embedding?: unknown };
    if (typeof id !== 'string') return fail(`"id" must be a string, got ${id === undefined ? 'nothing' : JSON.stringify(id)}`);
    if (!Array.isArray(embedding)) return fail(`"embedding" for id ${JSON.stringify(id)} must be an array of numbers`);
    const first = this.seen.get(id);
    if (first !== undefined) fail(`duplicate id ${JSON.stringify(id)} (first on line ${first})`);
    if (this.dim === -1) {
      if (embedding.length === 0) fail(`"embedding" for id ${JSON.stringify(id)} is empty`);
      this.dim = embedding.length;
    } else if (embedding.length !== this.dim) {
      fail(`the embedding for id ${JSON.stringify(id)} has ${embedding.length} values, but earlier lines have ${this.dim}`);
    }
    const row = this.ids.length;
    this.reserve(row + 1);
    const base = row * this.dim;
    for (let j = 0; j < this.dim; j++) {
      const v: unknown = embedding[j];
      if (typeof v !== 'number') fail(`the embedding for id ${JSON.stringify(id)} has a non-number at position ${j}: ${JSON.stringify(v)}`);
      this.data[base + j] = v as number;
    }
    this.ids.push(id);
    this.seen.set(id, line);
    this.lineNumbers[row] = line;
  }

  private reserve(rows: number): void {
    if (rows * this.dim > this.data.length) {
      const grown = new Float32Array(Math.max(rows * this.dim, this.data.length * 2));
      grown.set(this.data);
      this.data = grown;
    }
    if (rows > this.lineNumbers.length) {
      const grown = new Int32Array(this.lineNumbers.length * 2);
      grown.set(this.lineNumbers);
      this.lineNumbers = grown;
    }
  }

  /** The rows collected so far; the dimension is 0 when no line was read. */
  table(): VectorTable {
    const rows = this.ids.length;
    const dim = Math.max(this.dim, 0);
    return {
      file: this.file,
      matrix: { data: this.data.slice(0, rows * dim), rows, dim },
      ids: this.ids,
      lines: this.lineNumbers.slice(0, rows),
    };
  }
}

/**
 * Reads a JSONL vectors file (`{"id", "embedding"}` per line) line by line, so files larger
 * than a JavaScript string can hold are fine. `displayName` is how messages name the file.
 */
export async function readJsonlVectors(path: string, displayName: string): Promise<VectorTable> {
  const problems = new ProblemCollector();
  const collector = new JsonlVectorCollector(displayName, problems);
  for await (const { text, line } of readLines(path, displayName)) collector.add(text, line);
  problems.throwIfAny();
  return collector.table();
}
