import type { SourceLocation } from './errors.js';

/**
 * Where the engine reports progress and problems. The action maps it onto the runner's
 * log and annotations; the CLI onto stderr; tests collect it.
 */
export interface Logger {
  info(message: string): void;
  debug(message: string): void;
  /** A problem that does not fail the check; becomes a warning annotation in Actions. */
  warning(message: string, location?: SourceLocation): void;
  /** A problem that fails the check; becomes an error annotation in Actions. */
  error(message: string, location?: SourceLocation): void;
  /** Runs `fn` inside a collapsible log group. */
  group<T>(title: string, fn: () => Promise<T>): Promise<T>;
}

/**
 * Makes text safe to print in an Actions log. The runner treats any line whose trimmed
 * start is `::` as a workflow command (`::error::`, `::add-mask::`, `::stop-commands::`);
 * a zero-width space between the colons keeps the text readable but inert.
 */
export function neutraliseCommands(text: string): string {
  return text.replace(/^(\s*):(?=:)/gm, '$1:\u200b');
}

/** A logger that drops everything; for library callers that want silence. */
export const silentLogger: Logger = {
  info() {},
  debug() {},
  warning() {},
  error() {},
  group: (_title, fn) => fn(),
};

/** A logger that records every call, for tests and for replaying into another logger. */
export class MemoryLogger implements Logger {
  readonly lines: { level: 'info' | 'debug' | 'warning' | 'error'; message: string; location?: SourceLocation }[] = [];
  info(message: string): void {
    this.lines.push({ level: 'info', message });
  }
  debug(message: string): void {
    this.lines.push({ level: 'debug', message });
  }
  warning(message: string, location?: SourceLocation): void {
    this.lines.push(location ? { level: 'warning', message, location } : { level: 'warning', message });
  }
  error(message: string, location?: SourceLocation): void {
    this.lines.push(location ? { level: 'error', message, location } : { level: 'error', message });
  }
  group<T>(_title: string, fn: () => Promise<T>): Promise<T> {
    return fn();
  }
}
