import { isAbsolute, resolve } from 'node:path';
import { repositoryOf, type Environment, type RepositoryRef } from '../command.js';
import { ConfigurationError } from '../io/errors.js';
import { FileLedger } from './file.js';
import type { Ledger } from './types.js';

/** The `ledger` input's default: GitHub Deployments in Actions, a file on the CLI. */
export function defaultLedger(runner: Environment['runner']): string {
  return runner === 'actions' ? 'github' : 'file:.model-gates/ledger.jsonl';
}

/**
 * Opens the GitHub Deployments ledger of a repository with a token. The action entries and
 * the CLI hand it in (`src/github/ledger.ts`); the ledger domain never reaches GitHub itself.
 */
export type GitHubLedgerOpener = (token: string, repository: RepositoryRef, environment: Environment) => Promise<Ledger>;

/** What the commands that read or write a ledger need from outside the engine. */
export interface LedgerServices {
  /** The github ledger; absent where only file ledgers exist. */
  githubLedger?: GitHubLedgerOpener;
}

export interface OpenLedgerOptions extends LedgerServices {
  /** Token for the github ledger. */
  token: string | undefined;
  environment: Environment;
}

/**
 * Opens the ledger a `ledger` input names: `github` (GitHub Deployments of the run's
 * repository, with `token`) or `file:<path>` (relative paths resolve against the workspace).
 * @throws ConfigurationError for any other value, or github without a token or repository.
 */
export async function openLedger(spec: string, options: OpenLedgerOptions): Promise<Ledger> {
  const { environment } = options;
  if (spec.startsWith('file:')) {
    const path = spec.slice('file:'.length);
    if (path === '') throw new ConfigurationError("input 'ledger': file: needs a path, e.g. file:.model-gates/ledger.jsonl");
    return new FileLedger(isAbsolute(path) ? path : resolve(environment.context.workspace, path), { log: environment.log });
  }
  if (spec !== 'github') throw new ConfigurationError(`input 'ledger': '${spec}' is not a ledger; use github or file:<path>`);
  const repository = repositoryOf(environment.context);
  if (!repository) {
    throw new ConfigurationError("input 'ledger': github needs the repository (GITHUB_REPOSITORY); outside Actions use ledger: file:<path>");
  }
  if (!options.token) throw new ConfigurationError("input 'github-token' is required for ledger: github (the default is ${{ github.token }})");
  if (!options.githubLedger) throw new ConfigurationError("input 'ledger': github is not available in this build; use file:<path>");
  environment.setSecret(options.token);
  return options.githubLedger(options.token, repository, environment);
}
