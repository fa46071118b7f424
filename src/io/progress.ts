/** A terminal-like stream: a TTY gets a redrawn bar, anything else periodic lines. */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export interface ProgressOptions {
  /** What is being counted, e.g. `candidate: embedding`. */
  label: string;
  /**
   * Where plain lines go when `stream` is not a TTY (in CI: the step log, e.g. `log.info`).
   * Required unless `stream` is a TTY.
   */
  line?: (text: string) => void;
  /** A TTY stream (stderr on the CLI) gets a single-line bar, redrawn in place. */
  stream?: ProgressStream;
  /** Least milliseconds between two plain lines; default 10000. The bar redraws at most every 100 ms. */
  intervalMs?: number;
  /** Milliseconds clock; Date.now by default (injected in tests). */
  now?: () => number;
}

/** `1,234` */
function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A duration in seconds as `45s`, `3m 05s` or `2h 07m`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Items per second as text: `310/s`, `2.5/s`. */
function formatRate(rate: number): string {
  if (!Number.isFinite(rate) || rate <= 0) return '–/s';
  return rate >= 100 ? `${count(rate)}/s` : `${rate.toPrecision(2)}/s`;
}

/**
 * Reports progress of a long job. Hand `reporter.onProgress` to `EmbedOptions.onProgress`.
 * - Not a TTY (CI logs): one line `label: done/total (pct), rate, ETA` at most every
 *   `intervalMs`, plus one line when the work completes, so logs stay short.
 * - A TTY (the CLI's stderr): a single bar redrawn in place, at most every 100 ms, ended
 *   with a newline by `finish`.
 * The rate is items per second since the first update; ETA is the remaining items at that rate.
 */
export class ProgressReporter {
  private readonly now: () => number;
  private readonly intervalMs: number;
  private readonly tty: boolean;
  private start: number | undefined;
  private startDone = 0;
  private lastPrint = -Infinity;
  private printedDone = -1;
  private lastDone = -1;
  private lastTotal = 0;
  private drawn = false;
  private finished = false;

  constructor(private readonly options: ProgressOptions) {
    this.now = options.now ?? Date.now;
    this.tty = options.stream?.isTTY === true;
    this.intervalMs = this.tty ? 100 : (options.intervalMs ?? 10_000);
    if (!this.tty && !options.line) throw new Error('ProgressReporter needs a line writer unless its stream is a TTY');
  }

  /** The callback for `EmbedOptions.onProgress`. */
  readonly onProgress = (done: number, total: number): void => this.update(done, total);

  /** Records that `done` of `total` items are finished. */
  update(done: number, total: number): void {
    if (this.finished) return;
    const t = this.now();
    if (this.start === undefined) {
      this.start = t;
      this.startDone = done;
    }
    this.lastDone = done;
    this.lastTotal = total;
    const complete = done >= total;
    if (!complete && t - this.lastPrint < this.intervalMs) return;
    this.print(t);
    // A plain log gets one line for the completed work, however often completion is reported.
    if (complete && !this.tty) this.finished = true;
  }

  /** The status text, e.g. `candidate: 2,048/10,000 (20.5%), 310/s, ETA 26s`. */
  status(t = this.now()): string {
    const done = Math.max(this.lastDone, 0);
    const total = this.lastTotal;
    const elapsed = this.start === undefined ? 0 : (t - this.start) / 1000;
    const rate = elapsed > 0 ? (done - this.startDone) / elapsed : NaN;
    const pct = total > 0 ? ((100 * done) / total).toFixed(1) : '100.0';
    const tail = done >= total ? `done in ${formatDuration(elapsed)}` : `ETA ${formatDuration((total - done) / rate)}`;
    return `${this.options.label}: ${count(done)}/${count(total)} (${pct}%), ${formatRate(rate)}, ${tail}`;
  }

  private print(t: number): void {
    this.lastPrint = t;
    this.printedDone = this.lastDone;
    const text = this.status(t);
    if (!this.tty) {
      this.options.line?.(text);
      return;
    }
    const stream = this.options.stream as ProgressStream;
    const width = Math.max(10, Math.min(30, (stream.columns ?? 80) - text.length - 4));
    const fraction = this.lastTotal > 0 ? Math.min(1, this.lastDone / this.lastTotal) : 1;
    const filled = Math.round(fraction * width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    stream.write(`\r${bar} ${text}\x1b[K`);
    this.drawn = true;
  }

  /** Ends the report: prints the final state if it was held back, and ends the bar's line. */
  finish(): void {
    if (this.finished) return;
    if (this.lastDone >= 0 && this.lastDone !== this.printedDone) this.print(this.now());
    if (this.tty && this.drawn) this.options.stream?.write('\n');
    this.finished = true;
  }
}

/** Shorthand for `new ProgressReporter(options)`. */
export function createProgress(options: ProgressOptions): ProgressReporter {
  return new ProgressReporter(options);
}

/**
 * The usual reporter for a run: a bar on `stream` when it is a terminal (the CLI), otherwise
 * plain lines through `line` every `intervalMs` (GitHub Actions, where stderr is not a TTY;
 * pass the Logger's `info` so lines land in the step's log group).
 */
export function progressFor(label: string, line: (text: string) => void, stream: ProgressStream = process.stderr, intervalMs = 10_000): ProgressReporter {
  return new ProgressReporter({ label, line, stream, intervalMs });
}
