import type { Octokit } from '@octokit/core';
import type { RepositoryRef } from '../command.js';

/** The part of an Octokit client the sticky comment needs. */
export type RequestClient = Pick<Octokit, 'request'>;

export type Repository = RepositoryRef;

interface IssueComment {
  id: number;
  body?: string;
  html_url: string;
  user: { login: string; type?: string } | null;
}

export interface StickyCommentOptions {
  repository: Repository;
  /** Pull request (issue) number. */
  issueNumber: number;
  /** Hidden first line that identifies the report (`<!-- model-gates:report:<header> -->`). */
  marker: string;
  /** The whole comment body; must start with the marker. */
  body: string;
  /** Login whose comments may be edited or deleted: the token's own identity. */
  author: string;
  /** Debug messages (API calls, duplicates removed). */
  debug?: (message: string) => void;
}

export interface StickyCommentOutcome {
  id: number;
  url: string;
  /** What happened to the report comment. */
  action: 'created' | 'updated' | 'unchanged';
  /** Ids of duplicate report comments that were deleted. */
  deleted: number[];
}

const PER_PAGE = 100;

/** The HTTP status of an Octokit request error, if it is one. */
export function httpStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('status' in error)) return undefined;
  return typeof error.status === 'number' ? error.status : undefined;
}

/** Whether a `Link` header names a next page. */
function hasNextPage(link: string | undefined): boolean {
  return link !== undefined && /<[^>]*>;\s*rel="next"/.test(link);
}

/**
 * Every comment of an issue, following the pages GitHub gives (100 per page, the most it
 * allows), in the order GitHub lists them (creation order).
 */
export async function listIssueComments(client: RequestClient, repository: Repository, issueNumber: number): Promise<IssueComment[]> {
  const comments: IssueComment[] = [];
  for (let page = 1; ; page++) {
    const response = await client.request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      ...repository,
      issue_number: issueNumber,
      per_page: PER_PAGE,
      page,
    });
    comments.push(...(response.data as IssueComment[]));
    if (!hasNextPage(response.headers.link) || response.data.length === 0) return comments;
  }
}

/**
 * Our report comments: written by `author` and starting with the marker. A comment by
 * anyone else is never ours, whatever it contains; neither is one that merely quotes the
 * marker further down.
 */
function ours(comments: readonly IssueComment[], marker: string, author: string): IssueComment[] {
  const login = author.toLowerCase();
  return comments.filter((c) => c.user?.login.toLowerCase() === login && (c.body ?? '').startsWith(marker)).sort((a, b) => a.id - b.id);
}

async function deleteComment(client: RequestClient, repository: Repository, id: number): Promise<boolean> {
  try {
    await client.request('DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}', { ...repository, comment_id: id });
    return true;
  } catch (error) {
    // Another run removed it first: the outcome is the same.
    if (httpStatus(error) === 404) return false;
    throw error;
  }
}

/** Keeps the oldest of our report comments (the lowest id), deletes the others. */
async function keepOldest(client: RequestClient, options: StickyCommentOptions, mine: readonly IssueComment[]): Promise<{ keeper: IssueComment; deleted: number[] }> {
  const [keeper, ...duplicates] = mine as [IssueComment, ...IssueComment[]];
  const deleted: number[] = [];
  for (const duplicate of duplicates) {
    if (await deleteComment(client, options.repository, duplicate.id)) deleted.push(duplicate.id);
  }
  if (deleted.length > 0) options.debug?.(`removed duplicate report comments: ${deleted.join(', ')}`);
  return { keeper, deleted };
}

async function updateIfChanged(client: RequestClient, options: StickyCommentOptions, comment: IssueComment): Promise<{ url: string; changed: boolean }> {
  if (comment.body === options.body) return { url: comment.html_url, changed: false };
  const response = await client.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
    ...options.repository,
    comment_id: comment.id,
    body: options.body,
  });
  return { url: (response.data as IssueComment).html_url, changed: true };
}

/**
 * Creates or updates the one report comment of a pull request for a marker.
 *
 * Find: list every comment (paginated) and take ours (by `author`, starting with the
 * marker). Found: keep the lowest id, update it only when the body differs, delete the
 * other copies. None: create one, list again, and keep the lowest id among ours. Comment ids
 * grow with creation time, so every concurrent run agrees on the same survivor: twenty runs
 * started at once leave exactly one comment. Comments by other users are never touched.
 *
 * API calls: one list (plus pages), then one PATCH when the body changed, or one POST and
 * one more list when there was no comment, plus one DELETE per duplicate.
 */
export async function upsertStickyComment(client: RequestClient, options: StickyCommentOptions): Promise<StickyCommentOutcome> {
  if (!options.body.startsWith(options.marker)) throw new Error('internal error: the report body must start with its marker');
  const existing = ours(await listIssueComments(client, options.repository, options.issueNumber), options.marker, options.author);
  if (existing.length > 0) {
    const { keeper, deleted } = await keepOldest(client, options, existing);
    const { url, changed } = await updateIfChanged(client, options, keeper);
    return { id: keeper.id, url, action: changed ? 'updated' : 'unchanged', deleted };
  }
  const created = await client.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
    ...options.repository,
    issue_number: options.issueNumber,
    body: options.body,
  });
  const mine = (created.data as IssueComment).id;
  const after = ours(await listIssueComments(client, options.repository, options.issueNumber), options.marker, options.author);
  // Our own comment is in the list unless GitHub's list lags behind; then it is the keeper.
  const all = after.some((c) => c.id === mine) ? after : [...after, created.data as IssueComment].sort((a, b) => a.id - b.id);
  const { keeper, deleted } = await keepOldest(client, options, all);
  if (keeper.id === mine) return { id: mine, url: (created.data as IssueComment).html_url, action: 'created', deleted };
  // A concurrent run created an older copy: it stays, carrying this run's body.
  const { url } = await updateIfChanged(client, options, keeper);
  return { id: keeper.id, url, action: 'updated', deleted };
}

