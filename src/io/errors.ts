/** Where in a user's file something is: 1-based line and column. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}

/** One thing the user has to fix, with where to fix it when known. */
export interface Problem {
  message: string;
  location?: SourceLocation;
}

/**
 * A mistake in the user's configuration, inputs or data: the fix is theirs.
 * Carries every problem found, not only the first, each with its file and line when known.
 * Anything else thrown inside the engine is an internal error (a bug in model-gates).
 */
export class ConfigurationError extends Error {
  readonly problems: readonly Problem[];

  constructor(problems: string | Problem | readonly Problem[], location?: SourceLocation) {
    const list: Problem[] =
      typeof problems === 'string'
        ? [location ? { message: problems, location } : { message: problems }]
        : Array.isArray(problems)
          ? [...(problems as readonly Problem[])]
          : [problems as Problem];
    super(list.map(formatProblem).join('\n'));
    this.name = 'ConfigurationError';
    this.problems = list;
  }
}

/** `file:line:column: message`, the form compilers use and editors link. */
export function formatLocation(location: SourceLocation): string {
  let text = location.file;
  if (location.line !== undefined) {
    text += `:${location.line}`;
    if (location.column !== undefined) text += `:${location.column}`;
  }
  return text;
}

export function formatProblem(problem: Problem): string {
  return problem.location ? `${formatLocation(problem.location)}: ${problem.message}` : problem.message;
}

/** Message of anything thrown, without casting. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

export function isNodeError(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
