import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { ConfigurationError, errorMessage, isNodeError } from '../io/errors.js';
import { neutraliseCommands } from '../io/log.js';
import type { Matrix } from '../knn/types.js';
import { JsonlVectorCollector } from './jsonl.js';
import { isNpy, parseNpy } from './npy.js';
import { checkDimension, selectRows } from './table.js';
import type { EmbedOptions, EmbeddingSource, TextItem } from './types.js';

/**
 * Splits a command line into argv the way a POSIX shell would, without running a shell:
 * whitespace separates words; '…' quotes literally; "…" quotes with `\"`, `\\`, `\$` and
 * `` \` `` escapes; a backslash outside quotes escapes the next character. No globbing,
 * variables or redirections. An unclosed quote is a ConfigurationError.
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new ConfigurationError(`unclosed ' in command: ${line}`);
      word += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      inWord = true;
      let closed = false;
      for (i++; i < line.length; i++) {
        const d = line[i] as string;
        if (d === '"') {
          closed = true;
          break;
        }
        if (d === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1] as string)) word += line[++i];
        else word += d;
      }
      if (!closed) throw new ConfigurationError(`unclosed " in command: ${line}`);
    } else if (c === '\\') {
      if (i + 1 < line.length) word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** Keeps the last `limit` lines of a stream's text. */
class TailLines {
  private lines: string[] = [];
  private partial = '';
  constructor(private readonly limit: number) {}
  push(text: string): void {
    const parts = (this.partial + text).split(/\r?\n/);
    this.partial = (parts.pop() ?? '').slice(-2000);
    for (const line of parts) this.lines.push(line.slice(0, 2000));
    if (this.lines.length > this.limit) this.lines = this.lines.slice(-this.limit);
  }
  text(): string {
    const all = this.partial ? [...this.lines, this.partial] : this.lines;
    return all.slice(-this.limit).join('\n');
  }
}

export interface CommandSourceOptions {
  /** The command line after `command:`. */
  commandLine: string;
  /** Working directory of the program (the workspace). */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Every vector must have this dimension. */
  dimension?: number;
  /** Model version or digest; the source is cached only when it is set. */
  version?: string;
  /** Milliseconds before the program is stopped; no limit by default. */
  timeoutMs?: number;
  /** Milliseconds between SIGTERM and SIGKILL when stopping the program; default 2000. */
  killGraceMs?: number;
}

/**
 * Vectors from a program: it gets one JSON line `{"id", "text"}` per text on stdin, and
 * must write the vectors on stdout, either as JSON lines `{"id", "embedding"}` (any order,
 * matched by id) or as one `.npy` array (float32/float16, one row per input line, in order).
 * The program runs without a shell, in the workspace, with the process environment. A
 * non-zero exit, a signal, or malformed output is a ConfigurationError that quotes the last
 * lines of the program's stderr. Aborting the signal kills the program.
 */
export class CommandSource implements EmbeddingSource {
  readonly description: string;
  readonly cacheKey: string | null;
  /** One program run per cache miss set: never split the work (each run loads the model again). */
  readonly cacheChunkSize = Infinity;
  private readonly argv: string[];

  constructor(private readonly options: CommandSourceOptions) {
    this.argv = splitCommandLine(options.commandLine);
    if (this.argv.length === 0) throw new ConfigurationError('command: needs a program to run, e.g. command:python3 embed.py --model my-model');
    this.description = `command:${options.commandLine}`;
    this.cacheKey = options.version ? `command:${options.version}` : null;
  }

  /** The program exists and can be run: a path is checked in the working folder, a name on PATH. */
  async check(): Promise<void> {
    const program = this.argv[0] as string;
    const candidates = program.includes('/')
      ? [resolve(this.options.cwd, program)]
      : (this.options.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, program));
    for (const path of candidates) {
      try {
        await access(path, constants.X_OK);
        return;
      } catch {
        // not here; try the next folder
      }
    }
    throw new ConfigurationError(`${this.description}: program not found${program.includes('/') ? ` (or not executable): ${program}` : ` on PATH: ${program}`}`);
  }

  async embed(items: readonly TextItem[], options: EmbedOptions): Promise<Matrix> {
    options.signal?.throwIfAborted();
    const [program, ...args] = this.argv as [string, ...string[]];
    const name = `${this.description} stdout`;
    const child = spawn(program, args, { cwd: this.options.cwd, env: this.options.env, stdio: ['pipe', 'pipe', 'pipe'], shell: false });
    const stderr = new TailLines(20);
    const stdoutChunks: Buffer[] = [];
    const collector = new JsonlVectorCollector(name);
    let mode = 'unknown' as 'unknown' | 'npy' | 'jsonl';
    let pending = '';
    let line = 0;
    let outputError: unknown;
    let stopReason = undefined as 'abort' | 'timeout' | 'output' | undefined;

    const stop = (reason: typeof stopReason) => {
      stopReason ??= reason;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), this.options.killGraceMs ?? 2000);
        child.once('close', () => clearTimeout(killer));
      }
    };
    const onAbort = () => stop('abort');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = this.options.timeoutMs ? setTimeout(() => stop('timeout'), this.options.timeoutMs) : undefined;

    const takeLines = (final: boolean) => {
      const parts = pending.split('\n');
      pending = final ? '' : (parts.pop() ?? '');
      for (const text of parts) {
        collector.add(text, ++line);
      }
      options.onProgress?.(Math.min(collector.rows, items.length), items.length);
    };
    // One decoder for the whole output: a character split between two chunks stays whole.
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const decode = (bytes: Uint8Array, final: boolean): string => {
      try {
        return decoder.decode(bytes, { stream: !final });
      } catch {
        throw new ConfigurationError(`${this.description}: its output is not valid UTF-8`);
      }
    };
    child.stdout.on('data', (chunk: Buffer) => {
      if (outputError !== undefined) return;
      try {
        if (mode === 'unknown') {
          stdoutChunks.push(chunk);
          const head = Buffer.concat(stdoutChunks);
          if (head.length < 6 && head.toString('utf8').trim() === '') return;
          if (head.length < 6 && head[0] === 0x93) return;
          mode = isNpy(head) ? 'npy' : 'jsonl';
          if (mode === 'jsonl') {
            stdoutChunks.length = 0;
            pending = decode(head, false);
            takeLines(false);
          }
        } else if (mode === 'npy') {
          stdoutChunks.push(chunk);
        } else {
          pending += decode(chunk, false);
          takeLines(false);
        }
      } catch (error) {
        outputError = error;
        stop('output');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      stderr.push(text);
    });

    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => resolve({ code, signal }));
    });
    child.stdin.on('error', () => {
      // The program closed stdin early (EPIPE); its exit status tells what happened.
    });
    void this.writeInput(child.stdin, items);

    let status: { code: number | null; signal: NodeJS.Signals | null };
    try {
      status = await exit;
    } catch (error) {
      if (isNodeError(error, 'ENOENT')) throw new ConfigurationError(`${this.description}: program not found: ${program}`);
      throw new ConfigurationError(`${this.description}: cannot start the program (${errorMessage(error)})`);
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
    if (stopReason === 'abort') throw options.signal?.reason ?? new Error('aborted');
    const quoted = () => {
      const tail = stderr.text().trim();
      return tail ? `; last lines of its stderr:\n${neutraliseCommands(tail.replace(/^/gm, '  '))}` : ' (its stderr was empty)';
    };
    if (stopReason === 'timeout') throw new ConfigurationError(`${this.description} was stopped after ${this.options.timeoutMs} ms${quoted()}`);
    if (outputError !== undefined) {
      if (outputError instanceof ConfigurationError) throw new ConfigurationError(`${outputError.message}${quoted()}`);
      throw outputError;
    }
    if (status.code !== 0) {
      const how = status.signal ? `was killed by ${status.signal}` : `exited with code ${status.code}`;
      throw new ConfigurationError(`${this.description} ${how}${quoted()}`);
    }

    let matrix: Matrix;
    try {
      if (mode === 'npy') {
        matrix = parseNpy(new Uint8Array(Buffer.concat(stdoutChunks)), name);
        if (matrix.rows !== items.length) {
          throw new ConfigurationError(`${name}: the .npy array has ${matrix.rows} rows for ${items.length} input lines`);
        }
        matrix = selectRows({ file: name, matrix }, items, true);
      } else {
        pending += decode(mode === 'unknown' ? Buffer.concat(stdoutChunks) : new Uint8Array(0), true);
        takeLines(true);
        matrix = selectRows(collector.table(), items, true);
      }
      checkDimension(matrix, this.options.dimension, this.description);
    } catch (error) {
      if (error instanceof ConfigurationError) throw new ConfigurationError(`${error.message}${quoted()}`);
      throw error;
    }
    options.onProgress?.(items.length, items.length);
    return matrix;
  }

  /** Writes the JSONL input, waiting for the pipe to drain so memory stays bounded. */
  private async writeInput(stdin: NodeJS.WritableStream & { destroyed?: boolean }, items: readonly TextItem[]): Promise<void> {
    const chunk: string[] = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as TextItem;
      chunk.push(`${JSON.stringify({ id: item.id, text: item.text })}\n`);
      if (chunk.length === 256 || i === items.length - 1) {
        if (stdin.destroyed) return;
        const ok = stdin.write(chunk.join(''));
        chunk.length = 0;
        if (!ok) {
          await new Promise<void>((resolve) => {
            const done = () => {
              stdin.off('drain', done);
              stdin.off('close', done);
              resolve();
            };
            stdin.on('drain', done);
            stdin.on('close', done);
          });
        }
      }
    }
    if (!stdin.destroyed) stdin.end();
  }
}
