import { createGitHubClient } from '../github/client.js';
import { createReportCommand } from '../report/command.js';
import { runAction } from './run.js';

await runAction(
  createReportCommand({
    github: (token, environment) => createGitHubClient({ token, log: environment.log }),
    uploadArtifact: async (name, files, root) => {
      // Loaded only when an artifact is uploaded: it is most of the bundle and slows every start.
      const { DefaultArtifactClient } = await import(/* webpackMode: "eager" */ '@actions/artifact');
      return new DefaultArtifactClient().uploadArtifact(name, files, root);
    },
  }),
);
