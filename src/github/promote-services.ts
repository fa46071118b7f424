import type { PromoteServices } from '../promote/command.js';
import { openGitHubLedger } from './ledger.js';

function split(repository: string): { owner: string; repo: string } {
  const [owner = '', repo = ''] = repository.split('/');
  return { owner, repo };
}

/**
 * The GitHub implementations of what promote needs: the Deployments ledger, the serving
 * switches and the release publisher. The action entry and the CLI wiring hand these in.
 * Loaded on demand, like the ledger: a file ledger and a local flag file never pay for
 * Octokit's start-up.
 */
export const githubPromoteServices: PromoteServices = {
  githubLedger: openGitHubLedger,
  async githubSwitch(config, { token, repository, environment }) {
    const { createGitHubClient } = await import(/* webpackMode: "eager" */ './client.js');
    const octokit = createGitHubClient({ token, log: environment.log });
    const { owner, repo } = split(repository);
    if (config.backend === 'environment-variables') {
      const { EnvironmentVariablesSwitch } = await import(/* webpackMode: "eager" */ './environment-variables-switch.js');
      return new EnvironmentVariablesSwitch(octokit, { owner, repo, log: environment.log, ...(config.prefix ? { prefix: config.prefix } : {}) });
    }
    const { FlagdContentsSwitch } = await import(/* webpackMode: "eager" */ './flagd-contents-switch.js');
    return new FlagdContentsSwitch(octokit, { owner, repo, path: config.path ?? '', log: environment.log, ...(config.branch ? { branch: config.branch } : {}) });
  },
  async releasePublisher({ token, repository, environment }) {
    const { createGitHubClient } = await import(/* webpackMode: "eager" */ './client.js');
    const { GitHubReleasePublisher } = await import(/* webpackMode: "eager" */ './releases.js');
    return new GitHubReleasePublisher(createGitHubClient({ token, log: environment.log }), split(repository));
  },
};
