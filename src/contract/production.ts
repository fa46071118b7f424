import { execFile } from 'node:child_process';
import { decodeUtf8, readTextFile } from '../io/text.js';
import { isAbsolute, posix, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { RunContext } from '../results/context.js';
import { ConfigurationError, isNodeError } from '../io/errors.js';
import { resolveLedgerProduction } from '../ledger/production.js';
import type { Ledger } from '../ledger/types.js';

const run = promisify(execFile);

/**
 * Reads a file of the repository at a commit. Returns null when the commit exists but the
 * file does not (a new model). Implementations: local git, or GitHub's contents API.
 */
export interface ContentsReader {
  /** Whether this reader can see `ref` at all (a shallow clone often lacks the base commit). */
  has(ref: string): Promise<boolean>;
  /** @param path relative to the repository root, with `/` separators. */
  read(ref: string, path: string): Promise<string | null>;
}

/** Reads files at a commit from the local clone with `git cat-file` and `git show`. */
export class GitContentsReader implements ContentsReader {
  constructor(private readonly cwd: string) {}

  async has(ref: string): Promise<boolean> {
    try {
      await run('git', ['cat-file', '-e', `${ref}^{commit}`], { cwd: this.cwd });
      return true;
    } catch {
      return false;
    }
  }

  async read(ref: string, path: string): Promise<string | null> {
    try {
      await run('git', ['cat-file', '-e', `${ref}:${path}`], { cwd: this.cwd });
    } catch {
      return null;
    }
    const { stdout } = await run('git', ['show', `${ref}:${path}`], { cwd: this.cwd, maxBuffer: 64 * 1024 * 1024, encoding: 'buffer' });
    return decodeUtf8(stdout, `${path}@${ref.slice(0, 12)}`);
  }

  /** Path of `cwd` inside its repository (`models/` or ''), or '' outside a git repository. */
  async prefix(): Promise<string> {
    try {
      const { stdout } = await run('git', ['rev-parse', '--show-prefix'], { cwd: this.cwd });
      return stdout.trim();
    } catch {
      return '';
    }
  }
}

/** The production contract, resolved: its text and a label saying where it came from. */
export type ProductionSource =
  | { kind: 'none'; reason: string }
  | { kind: 'file'; text: string; file: string; source: string };

export interface ResolveProductionOptions {
  /** The `production` input: a path, `git:<ref>`, `git:base`, `none` or `ledger`. */
  production: string;
  /** The candidate contract path, as given (relative to the workspace or absolute). */
  candidatePath: string;
  context: RunContext;
  /** Local git; defaults to git in the workspace. */
  git?: ContentsReader & { prefix?(): Promise<string> };
  /** GitHub's contents API, for commits a shallow clone does not have. */
  contentsApi?: ContentsReader;
  /** For `production: ledger`: the ledger (opened on demand), and whose deployment to look up. */
  ledger?: ProductionLedger;
}

/** Where `production: ledger` looks: the current deployment of `model` to `environment`. */
export interface ProductionLedger {
  open(): Promise<Ledger>;
  model: string;
  environment: string;
}

/**
 * Finds the production contract, in this order:
 * `none` → first release (nothing to compare); `ledger` → the contract of the current
 * deployment (latest successful full deployment) at the commit its ledger record keeps;
 * `git:base` → the pull request's base commit; `git:<ref>` → that commit; anything else →
 * a path relative to the workspace. At a commit, the candidate's own path is read, from
 * the local clone when it has the commit and through the contents API otherwise. A file
 * absent at that commit is a new model (first release).
 *
 * @throws ConfigurationError for a missing path, `git:base` outside a pull request, a
 *   commit neither git nor the API can reach, or `ledger` without a ledger or with a record
 *   that names no contract.
 */
export async function resolveProduction(options: ResolveProductionOptions): Promise<ProductionSource> {
  const spec = options.production.trim();
  const workspace = options.context.workspace;
  if (spec === 'none') return { kind: 'none', reason: 'production: none (first release): no compatibility checks' };
  if (spec === 'ledger') {
    if (!options.ledger) throw new ConfigurationError('production: ledger needs the ledger input (github or file:<path>)');
    const git = options.git ?? new GitContentsReader(workspace);
    const prefix = (await git.prefix?.()) ?? '';
    const readAt = async (commit: string, recorded: string): Promise<string | null> => {
      const path = posix.normalize(`${prefix}${recorded}`);
      if (await git.has(commit)) return git.read(commit, path);
      if (options.contentsApi) return options.contentsApi.read(commit, path);
      throw new ConfigurationError(
        `production: ledger names commit '${commit}', which is not in the local clone (a shallow checkout?), and the contents API is not available; fetch it (actions/checkout with fetch-depth: 0) or pass a github-token`,
      );
    };
    const found = await resolveLedgerProduction(await options.ledger.open(), options.ledger.model, options.ledger.environment, readAt);
    return found.kind === 'none' ? found : { kind: 'file', text: found.text, file: found.file, source: found.source };
  }
  if (spec.startsWith('git:')) {
    let ref = spec.slice(4);
    if (ref === '') throw new ConfigurationError(`production: '${spec}' names no ref; use git:base, git:<sha>, git:<branch> or a path`);
    // A ref is handed to git as an argument: never let it read as an option.
    if (ref.startsWith('-') || !/^[\w./~^@{}+-]+$/.test(ref)) throw new ConfigurationError(`production: '${ref}' is not a git ref (a commit, branch or tag)`);
    if (ref === 'base') {
      if (!options.context.baseCommit) {
        throw new ConfigurationError(
          'production: git:base needs the base commit of a pull request, and this run has none (not a pull_request event?); pass production: git:<ref> or a path to the production contract',
        );
      }
      ref = options.context.baseCommit;
    }
    const git = options.git ?? new GitContentsReader(workspace);
    const absolute = isAbsolute(options.candidatePath) ? options.candidatePath : resolve(workspace, options.candidatePath);
    const inWorkspace = relative(workspace, absolute).split('\\').join('/');
    const path = posix.normalize(`${(await git.prefix?.()) ?? ''}${inWorkspace}`);
    if (path.startsWith('../') || isAbsolute(inWorkspace)) throw new ConfigurationError(`production: ${spec} needs the contract inside the repository, and '${options.candidatePath}' is outside it`);
    let text: string | null;
    if (await git.has(ref)) {
      text = await git.read(ref, path);
    } else if (options.contentsApi) {
      text = await options.contentsApi.read(ref, path);
    } else {
      throw new ConfigurationError(
        `production: commit '${ref}' is not in the local clone (a shallow checkout?) and the contents API is not available; fetch it (actions/checkout with fetch-depth: 0) or pass production as a path`,
      );
    }
    if (text === null) return { kind: 'none', reason: `'${path}' does not exist at ${ref}: a new model, checked as a first release` };
    return { kind: 'file', text, file: `${path}@${ref.slice(0, 12)}`, source: `git:${ref}` };
  }
  const file = resolve(workspace, spec);
  try {
    return { kind: 'file', text: await readTextFile(file, spec), file: spec, source: spec };
  } catch (error) {
    if (isNodeError(error, 'ENOENT')) throw new ConfigurationError(`production contract '${spec}' not found`, { file: spec });
    if (isNodeError(error, 'EISDIR')) throw new ConfigurationError(`production contract '${spec}' is a directory, expected a file`, { file: spec });
    throw error;
  }
}
