import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** Where a check runs: filled from the runner's GITHUB_* variables, or from git on a laptop. */
export interface RunContext {
  /** Commit under test (the PR head), or null when unknown. */
  commit: string | null;
  ref: string | null;
  /** `owner/name`, or null outside GitHub. */
  repository: string | null;
  runUrl: string | null;
  /** Base commit of the pull request, when there is one. */
  baseCommit: string | null;
  /** Pull request number, when there is one. */
  pullRequest: number | null;
  /** Directory that relative paths are resolved against (the checkout). */
  workspace: string;
}

const run = promisify(execFile);

async function gitHead(cwd: string): Promise<string | null> {
  try {
    const { stdout } = await run('git', ['rev-parse', 'HEAD'], { cwd });
    const sha = stdout.trim();
    return /^[0-9a-f]{40,64}$/.test(sha) ? sha : null;
  } catch {
    return null;
  }
}

interface PullRequestEvent {
  pull_request?: { number?: unknown; head?: { sha?: unknown }; base?: { sha?: unknown } };
}

/**
 * Builds the run context from environment variables (as set by the Actions runner) and the
 * event payload. Outside Actions, the commit comes from `git rev-parse HEAD` in the workspace.
 */
export async function runContextFromEnv(env: NodeJS.ProcessEnv, event?: PullRequestEvent): Promise<RunContext> {
  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  const pr = event?.pull_request;
  const headSha = typeof pr?.head?.sha === 'string' ? pr.head.sha : null;
  const commit = headSha ?? env.GITHUB_SHA ?? (await gitHead(workspace));
  const server = env.GITHUB_SERVER_URL || 'https://github.com';
  const repository = env.GITHUB_REPOSITORY || null;
  const runUrl = repository && env.GITHUB_RUN_ID ? `${server}/${repository}/actions/runs/${env.GITHUB_RUN_ID}` : null;
  return {
    commit: commit && /^[0-9a-f]{7,64}$/.test(commit) ? commit : null,
    ref: env.GITHUB_REF || null,
    repository,
    runUrl,
    baseCommit: typeof pr?.base?.sha === 'string' ? pr.base.sha : null,
    pullRequest: typeof pr?.number === 'number' ? pr.number : null,
    workspace,
  };
}
