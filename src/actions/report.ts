import { reportPublisherFor } from '../github/report-publisher.js';
import { createReportCommand } from '../report/command.js';
import { runAction } from './run.js';

await runAction(
  createReportCommand({
    publisher: reportPublisherFor,
    uploadArtifact: async (name, files, root) => {
      // Loaded only when an artifact is uploaded, from a chunk of its own: it is most of the
      // bundle, and parsing it would slow every start.
      const { DefaultArtifactClient } = await import('@actions/artifact');
      return new DefaultArtifactClient().uploadArtifact(name, files, root);
    },
  }),
);
