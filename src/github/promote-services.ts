import type { PromoteServices } from '../promote/command.js';
import { createGitHubClient } from './client.js';
import { EnvironmentVariablesSwitch } from './environment-variables-switch.js';
import { FlagdContentsSwitch } from './flagd-contents-switch.js';
import { GitHubReleasePublisher } from './releases.js';

function split(repository: string): { owner: string; repo: string } {
  const [owner = '', repo = ''] = repository.split('/');
  return { owner, repo };
}

/** The GitHub implementations of what promote needs: the action entry and the CLI hand these in. */
export const githubPromoteServices: PromoteServices = {
  githubSwitch(config, { token, repository, environment }) {
    const octokit = createGitHubClient({ token, log: environment.log });
    const { owner, repo } = split(repository);
    if (config.backend === 'environment-variables') {
      return new EnvironmentVariablesSwitch(octokit, { owner, repo, log: environment.log, ...(config.prefix ? { prefix: config.prefix } : {}) });
    }
    return new FlagdContentsSwitch(octokit, { owner, repo, path: config.path ?? '', log: environment.log, ...(config.branch ? { branch: config.branch } : {}) });
  },
  releasePublisher({ token, repository, environment }) {
    return new GitHubReleasePublisher(createGitHubClient({ token, log: environment.log }), split(repository));
  },
};
