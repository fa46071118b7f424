import { ConfigurationError, type Problem } from './errors.js';

/** Most problems reported per file; the rest are counted in one "and N more" line. */
export const MAX_PROBLEMS_PER_FILE = 20;

/**
 * Collects the problems of data files line by line, so that a reader reports every bad line
 * (up to `cap` per file, then "and N more problems in this file") instead of only the first.
 * Readers run each line's checks through `attempt`, skip the lines that failed, and call
 * `throwIfAny` when done.
 */
export class ProblemCollector {
  private readonly problems: Problem[] = [];
  private readonly shown = new Map<string, number>();
  private readonly hidden = new Map<string, number>();

  constructor(private readonly cap = MAX_PROBLEMS_PER_FILE) {}

  /** Records problems; those of a file beyond the cap are only counted. */
  add(...problems: readonly Problem[]): void {
    for (const problem of problems) {
      const file = problem.location?.file ?? '';
      const shown = this.shown.get(file) ?? 0;
      if (shown < this.cap) {
        this.problems.push(problem);
        this.shown.set(file, shown + 1);
      } else {
        this.hidden.set(file, (this.hidden.get(file) ?? 0) + 1);
      }
    }
  }

  /**
   * Runs one line's checks: a ConfigurationError is recorded and `undefined` returned (the
   * caller skips the line); anything else is a bug and propagates.
   */
  attempt<T>(check: () => T): T | undefined {
    try {
      return check();
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      this.add(...error.problems);
      return undefined;
    }
  }

  /** The async form of `attempt`. */
  async attemptAsync<T>(check: () => Promise<T>): Promise<T | undefined> {
    try {
      return await check();
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      this.add(...error.problems);
      return undefined;
    }
  }

  get empty(): boolean {
    return this.problems.length === 0;
  }

  /**
   * Every recorded problem, in file order (files as first met) and line order within a file
   * (a file's syntax and content checks run in two passes), then one "and N more" line per
   * file that passed the cap.
   */
  list(): Problem[] {
    const fileOrder = new Map([...this.shown.keys()].map((file, i) => [file, i]));
    const key = (p: Problem): [number, number] => [fileOrder.get(p.location?.file ?? '') ?? 0, p.location?.line ?? 0];
    const sorted = [...this.problems].sort((x, y) => {
      const [fx, lx] = key(x);
      const [fy, ly] = key(y);
      return fx - fy || lx - ly;
    });
    const more = [...this.hidden].map(([file, n]): Problem => {
      const message = `and ${n} more problem${n === 1 ? '' : 's'} in this file`;
      return file === '' ? { message } : { message, location: { file } };
    });
    return [...sorted, ...more];
  }

  /** @throws ConfigurationError with `list()` when anything was recorded */
  throwIfAny(): void {
    if (!this.empty) throw new ConfigurationError(this.list());
  }
}
