import type { Environment, RepositoryRef } from '../command.js';
import type { Ledger } from '../ledger/types.js';

/**
 * The GitHub Deployments ledger of a repository. Loaded on demand: the file ledger never
 * pays for Octokit's start-up. The bundler keeps "eager" imports in the one bundle file and
 * runs them only when reached.
 */
export async function openGitHubLedger(token: string, repository: RepositoryRef, environment: Environment): Promise<Ledger> {
  const { createGitHubClient } = await import(/* webpackMode: "eager" */ './client.js');
  const { GitHubDeploymentsLedger } = await import(/* webpackMode: "eager" */ './deployments-ledger.js');
  const octokit = createGitHubClient({ token, log: environment.log });
  return new GitHubDeploymentsLedger(octokit, { ...repository, log: environment.log, logUrl: environment.context.runUrl });
}
