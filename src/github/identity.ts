import { httpStatus, type RequestClient } from './sticky-comment.js';

/** The login GitHub gives comments made with a workflow's `GITHUB_TOKEN`. */
export const ACTIONS_BOT = 'github-actions[bot]';

/**
 * The login that the token acts as, so that only our own comments are ever edited or
 * deleted. A personal token answers `GET /user`; a workflow's `GITHUB_TOKEN` (and a GitHub
 * App installation token) gets 403 there, and its comments are by `github-actions[bot]`.
 * An explicit login (`comment-author`, for App tokens: `<app-slug>[bot]`) wins without a call.
 */
export async function tokenIdentity(client: RequestClient, override?: string): Promise<string> {
  if (override) return override;
  try {
    const { data } = await client.request('GET /user');
    return data.login;
  } catch (error) {
    if (httpStatus(error) === 403) return ACTIONS_BOT;
    throw error;
  }
}
