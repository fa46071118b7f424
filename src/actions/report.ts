import { DefaultArtifactClient } from '@actions/artifact';
import { createGitHubClient } from '../github/client.js';
import { createReportCommand } from '../report/command.js';
import { runAction } from './run.js';

await runAction(
  createReportCommand({
    github: (token, environment) => createGitHubClient({ token, log: environment.log }),
    uploadArtifact: (name, files, root) => new DefaultArtifactClient().uploadArtifact(name, files, root),
  }),
);
