import type { Inputs, InputSpec } from './inputs/spec.js';
import type { Logger } from './io/log.js';
import type { RunContext } from './results/context.js';

/** A GitHub repository: `owner/name` split in two. */
export interface RepositoryRef {
  owner: string;
  repo: string;
}

/** The run's repository (GITHUB_REPOSITORY) split in two, or null when it is not `owner/name`. */
export function repositoryOf(context: Pick<RunContext, 'repository'>): RepositoryRef | null {
  const [owner, repo, ...rest] = (context.repository ?? '').split('/');
  return owner && repo && rest.length === 0 ? { owner, repo } : null;
}

/** What the engine needs from the outside world, handed in by the action or the CLI. */
export interface Environment {
  log: Logger;
  context: RunContext;
  /** Environment variables (for secrets named by inputs, e.g. an API key variable). */
  env: NodeJS.ProcessEnv;
  /** Registers a secret so the runner masks it in logs (a no-op on the CLI). */
  setSecret(value: string): void;
  /** Where the process is running: decides defaults such as the report mode. */
  runner: 'actions' | 'cli';
  /** Keeps a folder from one run to the next (in Actions: the Actions cache); absent on the CLI. */
  folderCache?: FolderCache;
}

/**
 * A store of folder snapshots under immutable keys, as the Actions cache is. Neither method
 * throws: a cache that cannot be reached (or is not there at all) costs time, never the run.
 */
export interface FolderCache {
  /**
   * Restores `dir` from the entry saved under `key`, else the newest entry whose key starts
   * with one of `prefixes` (tried in order). Returns the key restored, or undefined.
   */
  restore(dir: string, key: string, prefixes: string[]): Promise<string | undefined>;
  /** Saves `dir` under `key`. Returns whether it was saved. */
  save(dir: string, key: string): Promise<boolean>;
  /** Whether the cache service can be reached at all (false: nothing is kept between runs). */
  available(): Promise<boolean>;
}

export interface CommandOutcome {
  /** Action outputs by kebab-case name; the CLI prints them as `name=value`. */
  outputs: Record<string, string>;
  /** Markdown for the job summary (Actions) or the terminal (CLI). */
  summary?: string;
  /** Text the CLI prints on stdout before the outputs (a document such as `history --format json`). */
  stdout?: string;
  /** Set when the command must exit 1 (a failing verdict); says why in one line. */
  failure?: string;
}

/**
 * One capability of the suite, shared by its GitHub Action and its CLI command. The input
 * names are the action's `with:` keys and the CLI's `--flags`.
 */
export interface Command<S extends InputSpec = InputSpec> {
  name: string;
  /** One line: what the command does. Goes into action.yml and `--help`. */
  description: string;
  inputs: S;
  /** Output names and what they hold. */
  outputs: Readonly<Record<string, string>>;
  run(inputs: Inputs<S>, environment: Environment): Promise<CommandOutcome>;
}

/** Declares a command with its input types inferred from the spec. */
export function defineCommand<const S extends InputSpec>(command: Command<S>): Command<S> {
  return command;
}
