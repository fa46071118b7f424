import type { Environment, RepositoryRef } from '../command.js';
import type { ContentsReader } from '../contract/production.js';
import { createGitHubClient, type GitHubClient } from './client.js';
import { describeApiError } from './errors.js';

export interface RepositoryFile {
  owner: string;
  repo: string;
  /** Path inside the repository, without a leading slash. */
  path: string;
  /** A commit sha, branch or tag; the default branch when omitted. */
  ref?: string;
}

/**
 * Reads one file through the contents API (`contents: read`) and returns it as UTF-8 text,
 * or null when the file (or the ref) does not exist. A path that names a directory, a
 * symlink or a submodule is an error. Files over 1 MiB, which the API returns without
 * content, are fetched again as raw bytes.
 */
export async function readRepositoryFile(octokit: GitHubClient, file: RepositoryFile): Promise<string | null> {
  const path = file.path.replace(/^\/+/, '');
  const where = `${file.owner}/${file.repo}/${path}${file.ref ? `@${file.ref}` : ''}`;
  const request = { owner: file.owner, repo: file.repo, path, ...(file.ref ? { ref: file.ref } : {}) };
  let data: unknown;
  try {
    ({ data } = await octokit.rest.repos.getContent(request));
  } catch (error) {
    if ((error as { status?: unknown }).status === 404) return null;
    throw describeApiError(error, { action: `read ${where}`, permission: 'contents: read' });
  }
  if (Array.isArray(data) || (data as { type?: unknown }).type !== 'file') {
    const kind = Array.isArray(data) ? 'directory' : String((data as { type?: unknown }).type);
    throw new Error(`Could not read ${where}: it is a ${kind}, not a file.`);
  }
  const entry = data as { content?: string; encoding?: string };
  if (entry.encoding === 'base64' && typeof entry.content === 'string') {
    return Buffer.from(entry.content, 'base64').toString('utf8');
  }
  try {
    const raw = await octokit.rest.repos.getContent({ ...request, mediaType: { format: 'raw' } });
    return typeof raw.data === 'string' ? raw.data : Buffer.from(raw.data as unknown as ArrayBuffer).toString('utf8');
  } catch (error) {
    throw describeApiError(error, { action: `read ${where}`, permission: 'contents: read' });
  }
}

/**
 * The contents API as a reader of files at a commit, for `owner/name`. It always "has" a ref:
 * a ref GitHub does not know reads as an absent file.
 */
export function contentsApiReader(octokit: GitHubClient, repository: RepositoryRef): ContentsReader {
  return {
    has: async () => true,
    read: (ref, path) => readRepositoryFile(octokit, { ...repository, path, ref }),
  };
}

/** The contents API reader for a token, as the contract command's services want it. */
export function contentsReaderFor(token: string, repository: RepositoryRef, environment: Environment): ContentsReader {
  return contentsApiReader(createGitHubClient({ token, log: environment.log }), repository);
}
