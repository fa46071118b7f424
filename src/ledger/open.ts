import { isAbsolute, resolve } from 'node:path';
import type { Environment } from '../command.js';
import { ConfigurationError } from '../io/errors.js';
import { FileLedger } from './file.js';
import type { Ledger } from './types.js';

/** The `ledger` input's default: GitHub Deployments in Actions, a file on the CLI. */
export function defaultLedger(runner: Environment['runner']): string {
  return runner === 'actions' ? 'github' : 'file:.model-gates/ledger.jsonl';
}

export interface OpenLedgerOptions {
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
  const repository = environment.context.repository;
  if (!repository || !repository.includes('/')) {
    throw new ConfigurationError("input 'ledger': github needs the repository (GITHUB_REPOSITORY); outside Actions use ledger: file:<path>");
  }
  if (!options.token) throw new ConfigurationError("input 'github-token' is required for ledger: github (the default is ${{ github.token }})");
  environment.setSecret(options.token);
  const [owner, repo] = repository.split('/') as [string, string];
  // Loaded on demand: the file ledger and the CLI never pay for Octokit's start-up. The
  // bundler keeps "eager" imports in the one bundle file and runs them only when reached.
  const { createGitHubClient } = await import(/* webpackMode: "eager" */ '../github/client.js');
  const { GitHubDeploymentsLedger } = await import(/* webpackMode: "eager" */ '../github/deployments-ledger.js');
  const octokit = createGitHubClient({ token: options.token, log: environment.log });
  return new GitHubDeploymentsLedger(octokit, { owner, repo, log: environment.log, logUrl: environment.context.runUrl });
}
