import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isNodeError } from '../io/errors.js';
import { acquireFileLock } from '../io/file-lock.js';
import { silentLogger, type Logger } from '../io/log.js';
import {
  currentOf,
  findConflict,
  LEDGER_RECORD_SCHEMA,
  LedgerConflictError,
  statusDescription,
  type Ledger,
  type LedgerEntry,
  type LedgerRecord,
  type LedgerStatus,
} from './types.js';

/**
 * One line of the ledger file. A record line appends a deployment; a status line changes a
 * record's status. Lines are never rewritten, so earlier history cannot be lost.
 */
type FileLine =
  | { type: 'record'; id: number; record: LedgerRecord }
  | { type: 'status'; id: number; status: LedgerStatus; description: string; time: string };

const STATUSES: readonly LedgerStatus[] = ['in_progress', 'success', 'failure', 'inactive'];

export interface FileLedgerOptions {
  log?: Logger;
  /** How long to wait for another writer's lock before giving up, in ms (default 30 000). */
  lockTimeoutMs?: number;
}

interface Parsed {
  lines: FileLine[];
  /** Byte length of the complete lines; anything after it is a torn tail. */
  completeBytes: number;
  tornBytes: number;
}

function parseLine(text: string): FileLine | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (data === null || typeof data !== 'object') return undefined;
  const line = data as Record<string, unknown>;
  if (typeof line.id !== 'number' || !Number.isInteger(line.id)) return undefined;
  if (line.type === 'record') {
    const record = line.record as Record<string, unknown> | undefined;
    if (!record || record.schema !== LEDGER_RECORD_SCHEMA || typeof record.model !== 'string' || typeof record.version !== 'string') return undefined;
    return line as unknown as FileLine;
  }
  if (line.type === 'status' && STATUSES.includes(line.status as LedgerStatus)) return line as unknown as FileLine;
  return undefined;
}

/**
 * Parses the ledger file's bytes. Only lines ending in a newline count: a writer killed
 * mid-append leaves a torn last line, which is ignored (and cut off by the next writer).
 * A complete line that does not parse means the file was edited or damaged: an error naming
 * the line, never a silent skip.
 */
export function parseLedgerFile(bytes: Buffer, file: string): Parsed {
  const lastNewline = bytes.lastIndexOf(0x0a);
  const completeBytes = lastNewline + 1;
  const text = bytes.subarray(0, completeBytes).toString('utf8');
  const lines: FileLine[] = [];
  const rows = text === '' ? [] : text.slice(0, -1).split('\n');
  rows.forEach((row, index) => {
    if (row.trim() === '') return;
    const line = parseLine(row);
    if (!line) throw new Error(`${file}:${index + 1}: not a ledger line; the ledger file was edited or damaged (restore it from a copy)`);
    lines.push(line);
  });
  return { lines, completeBytes, tornBytes: bytes.length - completeBytes };
}

function entriesOf(lines: readonly FileLine[]): LedgerEntry[] {
  const byId = new Map<number, LedgerEntry>();
  for (const line of lines) {
    if (line.type === 'record') {
      byId.set(line.id, { ...line.record, id: line.id, status: 'in_progress', statusDescription: '' });
    } else {
      const entry = byId.get(line.id);
      if (entry) {
        entry.status = line.status;
        entry.statusDescription = line.description;
      }
    }
  }
  return [...byId.values()].sort((a, b) => b.id - a.id);
}

/**
 * The ledger as an append-only JSONL file (the default on the CLI and in the demo).
 *
 * Writers take an exclusive lock file `<path>.lock` (created with O_EXCL, holding the
 * writer's pid and host). A lock whose pid no longer runs on this host is stale: it is
 * moved aside atomically (only one waiter can move a given file) and removed. Each append
 * is one `write` of whole lines followed by `fsync`; a torn last line left by a killed writer
 * is ignored by readers and cut off by the next writer, under the lock, so earlier lines are
 * never touched. Readers take no lock.
 */
export class FileLedger implements Ledger {
  readonly label: string;
  private readonly log: Logger;
  private readonly lockTimeoutMs: number;

  constructor(
    readonly path: string,
    options: FileLedgerOptions = {},
  ) {
    this.label = `file:${path}`;
    this.log = options.log ?? silentLogger;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 30_000;
  }

  private async read(): Promise<Parsed> {
    try {
      return parseLedgerFile(await readFile(this.path), this.path);
    } catch (error) {
      if (isNodeError(error, 'ENOENT')) return { lines: [], completeBytes: 0, tornBytes: 0 };
      throw error;
    }
  }

  async history(model: string, environment: string, limit = Number.POSITIVE_INFINITY): Promise<LedgerEntry[]> {
    const entries = entriesOf((await this.read()).lines).filter((e) => e.model === model && e.environment === environment);
    return entries.slice(0, limit);
  }

  async current(model: string, environment: string): Promise<LedgerEntry | null> {
    return currentOf(await this.history(model, environment));
  }

  async claim(record: LedgerRecord, expectedCurrent: string | null, ignore?: ReadonlySet<number>): Promise<LedgerEntry> {
    return this.locked(async (parsed) => {
      const all = entriesOf(parsed.lines);
      const history = all.filter((e) => e.model === record.model && e.environment === record.environment);
      const conflict = findConflict(history, { version: record.version }, expectedCurrent, ignore);
      if (conflict) throw new LedgerConflictError(conflict);
      const id = (all[0]?.id ?? 0) + 1;
      return { lines: [{ type: 'record', id, record }], result: { ...record, id, status: 'in_progress' as const, statusDescription: '' } };
    });
  }

  async setStatus(id: number, status: LedgerStatus, description: string): Promise<void> {
    await this.locked(async (parsed) => {
      if (!parsed.lines.some((line) => line.type === 'record' && line.id === id)) throw new Error(`${this.path}: no ledger record #${id}`);
      return { lines: [{ type: 'status', id, status, description: statusDescription(description), time: new Date().toISOString() }], result: undefined };
    });
  }

  /**
   * Runs `decide` under the lock with the file as it is now, then appends the lines it
   * returns in one write and fsyncs before releasing the lock.
   */
  private async locked<T>(decide: (parsed: Parsed) => Promise<{ lines: FileLine[]; result: T }>): Promise<T> {
    await mkdir(dirname(this.path), { recursive: true });
    const release = await acquireFileLock(`${this.path}.lock`, {
      timeoutMs: this.lockTimeoutMs,
      log: this.log,
      what: this.path,
      timeoutError: (message) => new LedgerConflictError(message),
    });
    try {
      const parsed = await this.read();
      const { lines, result } = await decide(parsed);
      const handle = await open(this.path, 'a+');
      try {
        if (parsed.tornBytes > 0) {
          this.log.warning(`${this.path}: dropped a torn last line (${parsed.tornBytes} bytes) left by a writer that was killed mid-append`);
          await handle.truncate(parsed.completeBytes);
        }
        await handle.write(lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
        await handle.sync();
      } finally {
        await handle.close();
      }
      return result;
    } finally {
      await release();
    }
  }
}
