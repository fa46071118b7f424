import { afterAll, afterEach, beforeAll } from 'vitest';
import { startGitHubServer, type GitHubServer, type GitHubServerOptions } from './server.js';

/**
 * Registers the hooks a test file needs around one GitHub API test server: started before
 * all tests (then `seed` runs, if given), checked for OpenAPI violations after each test,
 * closed after all. Returns a getter, since the server exists only once `beforeAll` ran:
 *
 *     const github = useGitHubServer({}, (server) => server.addToken('t', { … }));
 *     it('…', async () => { github().state.addPullRequest(…); });
 */
export function useGitHubServer(options: GitHubServerOptions = {}, seed?: (server: GitHubServer) => void | Promise<void>): () => GitHubServer {
  let server: GitHubServer | undefined;
  beforeAll(async () => {
    server = await startGitHubServer(options);
    await seed?.(server);
  });
  afterEach(() => server?.assertNoViolations());
  afterAll(async () => {
    await server?.close();
  });
  return () => {
    if (!server) throw new Error('the GitHub API test server is not started yet: use it inside a test or hook');
    return server;
  };
}
