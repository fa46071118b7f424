import type { Environment, RepositoryRef } from '../command.js';
import { createGitHubClient } from './client.js';
import type { ReportPublisher } from '../report/publisher.js';
import { withApiError } from './errors.js';
import { tokenIdentity } from './identity.js';
import { downloadRunResults, triggeringRun } from './run-artifacts.js';
import { upsertStickyComment, type RequestClient } from './sticky-comment.js';

/** The report's reads and its sticky comment over the REST API, for one repository. */
export function githubReportPublisher(client: RequestClient, repository: RepositoryRef): ReportPublisher {
  const runReads = { permission: 'actions: read' };
  return {
    triggeringRun: (runId) => withApiError({ action: `read workflow run ${runId}, its pull request and its artifacts`, ...runReads }, () => triggeringRun(client, repository, runId)),
    downloadRunResults: (runId, pattern) =>
      withApiError({ action: `read workflow run ${runId}, its pull request and its artifacts`, ...runReads }, () => downloadRunResults(client, repository, runId, pattern)),
    upsertStickyComment: (comment, debug) =>
      withApiError({ action: `write the report comment on pull request #${comment.issueNumber}`, permission: 'pull-requests: write' }, async () => {
        const author = await tokenIdentity(client, comment.author);
        const { id, url, action } = await upsertStickyComment(client, { repository, issueNumber: comment.issueNumber, marker: comment.marker, body: comment.body, author, debug });
        return { id, url, action };
      }),
  };
}

/** The report's publisher for a token, as the report command's services want it. */
export function reportPublisherFor(token: string, repository: RepositoryRef, environment: Environment): ReportPublisher {
  return githubReportPublisher(createGitHubClient({ token, log: environment.log }), repository);
}
