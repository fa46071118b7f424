import type { Result } from '../results/types.js';

/** Where one sticky report comment goes, and what it says. */
export interface StickyComment {
  /** Pull request (issue) number. */
  issueNumber: number;
  /** Hidden first line that identifies the report (`<!-- model-gates:report:<header> -->`). */
  marker: string;
  /** The whole comment body; it starts with the marker. */
  body: string;
  /** Login the token comments as, when it cannot be found from the token (GitHub App tokens). */
  author?: string;
}

/** What happened when the report comment was written. */
export interface PostedComment {
  id: number;
  url: string;
  action: 'created' | 'updated' | 'unchanged';
}

/**
 * What the report reads from and writes to the repository's host; `src/github/report-publisher.ts`
 * implements it over the REST API. A failed call throws a ConfigurationError (a
 * `GitHubApiError`) saying what to fix; anything else thrown is a bug.
 */
export interface ReportPublisher {
  /** The head commit of run `runId` and the pull request the host associates with it (never anything the run uploaded). */
  triggeringRun(runId: number): Promise<{ headSha: string; pullRequest: number | null }>;
  /** The validated results in the artifacts of run `runId` whose names match `pattern`, with the artifacts' names. */
  downloadRunResults(runId: number, pattern: string): Promise<{ results: Result[]; artifacts: string[] }>;
  /** Creates or updates the one comment carrying the marker, written by the token's own identity. */
  upsertStickyComment(comment: StickyComment, debug: (message: string) => void): Promise<PostedComment>;
}
