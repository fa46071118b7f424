import type { Environment, RepositoryRef } from '../command.js';
import type { CommitStatus, EnvironmentApproval, GateReads, IssueComment, LabelEvent, Review } from '../gate/types.js';
import { ConfigurationError, formatProblem } from '../io/errors.js';
import { createGitHubClient, type GitHubClient } from './client.js';
import { describeApiError, GitHubApiError, withApiError } from './errors.js';
import { downloadRunResults, matchesPattern } from './run-artifacts.js';

const PER_PAGE = 100;

/** The pull request's author and current head commit (`pull-requests: read`). */
export async function readPullRequest(octokit: GitHubClient, repository: RepositoryRef, number: number): Promise<{ author: string; headSha: string }> {
  const { data } = await withApiError({ action: `read pull request #${number}`, permission: 'pull-requests: read' }, () =>
    octokit.rest.pulls.get({ ...repository, pull_number: number }),
  );
  return { author: data.user.login, headSha: data.head.sha };
}

/** Every review of a pull request, all pages, oldest first (`pull-requests: read`). */
export async function listReviews(octokit: GitHubClient, repository: RepositoryRef, number: number): Promise<Review[]> {
  const reviews = await withApiError({ action: `list the reviews of pull request #${number}`, permission: 'pull-requests: read' }, () =>
    octokit.paginate(octokit.rest.pulls.listReviews, { ...repository, pull_number: number, per_page: PER_PAGE }),
  );
  return reviews
    .filter((r) => r.user)
    .map((r) => ({ login: r.user!.login, state: r.state, commitId: r.commit_id ?? null, submittedAt: r.submitted_at ?? null, body: r.body ?? '' }));
}

/** The `labeled`/`unlabeled` events of an issue or pull request, all pages, oldest first. */
export async function listLabelEvents(octokit: GitHubClient, repository: RepositoryRef, number: number): Promise<LabelEvent[]> {
  const events = await withApiError({ action: `list the events of pull request #${number}`, permission: 'pull-requests: read' }, () =>
    octokit.paginate(octokit.rest.issues.listEvents, { ...repository, issue_number: number, per_page: PER_PAGE }),
  );
  const out: LabelEvent[] = [];
  for (const event of events) {
    if ((event.event !== 'labeled' && event.event !== 'unlabeled') || !event.actor) continue;
    const label = (event as { label?: { name?: string } }).label?.name;
    if (typeof label !== 'string') continue;
    out.push({ event: event.event, label, actor: event.actor.login, createdAt: event.created_at });
  }
  return out;
}

/** The comments of a pull request's conversation, all pages, oldest first. */
export async function listComments(octokit: GitHubClient, repository: RepositoryRef, number: number): Promise<IssueComment[]> {
  const comments = await withApiError({ action: `list the comments of pull request #${number}`, permission: 'pull-requests: read' }, () =>
    octokit.paginate(octokit.rest.issues.listComments, { ...repository, issue_number: number, per_page: PER_PAGE }),
  );
  return comments.filter((c) => c.user).map((c) => ({ login: c.user!.login, body: c.body ?? '', createdAt: c.created_at }));
}

/**
 * Whether `login` is an active member of the team `org/slug`. GitHub answers 404 for a
 * non-member (and for a team the token cannot see); any other failure is thrown, naming
 * the permission: a workflow's GITHUB_TOKEN can never read team membership, so team rules
 * need a token with `read:org` (or a GitHub App with `members: read`).
 */
export async function isActiveTeamMember(octokit: GitHubClient, team: string, login: string): Promise<boolean> {
  const [org, slug] = team.split('/') as [string, string];
  try {
    const { data } = await octokit.rest.teams.getMembershipForUserInOrg({ org, team_slug: slug, username: login });
    return data.state === 'active';
  } catch (error) {
    if ((error as { status?: unknown }).status === 404) return false;
    const described = describeApiError(error, { action: `read whether ${login} is a member of team ${team}`, permission: 'members: read' });
    if (described instanceof GitHubApiError && (described.permission || described.status === 403)) {
      throw new GitHubApiError(
        `${described.message} Team rules need a token that can read the organisation's teams: a personal or app token with read:org (members: read); the workflow's GITHUB_TOKEN cannot.`,
        { status: described.status, permission: 'members: read', cause: error },
      );
    }
    throw described;
  }
}

/** Approvals and rejections of a run's environment protection rules (`actions: read`). */
export async function listRunApprovals(octokit: GitHubClient, repository: RepositoryRef, runId: number): Promise<EnvironmentApproval[]> {
  const { data } = await withApiError({ action: `read the environment approvals of run ${runId}`, permission: 'actions: read' }, () =>
    octokit.rest.actions.getReviewsForRun({ ...repository, run_id: runId }),
  );
  return data.map((a) => ({
    login: a.user.login,
    state: a.state,
    environments: a.environments.map((e) => e.name ?? '').filter(Boolean),
    comment: a.comment,
  }));
}

/** Sets a commit status (`statuses: write`); the description is cut to GitHub's 140 characters. */
export async function setCommitStatus(
  octokit: GitHubClient,
  repository: RepositoryRef,
  status: CommitStatus,
): Promise<void> {
  const description = status.description.length > 140 ? `${status.description.slice(0, 139)}…` : status.description;
  await withApiError({ action: `set the commit status '${status.context}' on ${status.sha.slice(0, 7)}`, permission: 'statuses: write' }, () =>
    octokit.rest.repos.createCommitStatus({
      ...repository,
      sha: status.sha,
      state: status.state,
      context: status.context,
      description,
      ...(status.targetUrl ? { target_url: status.targetUrl } : {}),
    }),
  );
}

/**
 * The newest completed workflow run of `headSha` that has an unexpired artifact matching
 * `pattern`, skipping `excludeRunId` (the gate's own run). Looks at the newest 100
 * completed runs of the commit (`actions: read`). Null when none has such an artifact.
 */
export async function latestRunWithArtifacts(
  octokit: GitHubClient,
  repository: RepositoryRef,
  headSha: string,
  pattern: string,
  excludeRunId?: number,
): Promise<number | null> {
  const permission = 'actions: read';
  const { data } = await withApiError({ action: `list the completed runs of ${headSha.slice(0, 7)}`, permission }, () =>
    octokit.rest.actions.listWorkflowRunsForRepo({ ...repository, head_sha: headSha, status: 'completed', per_page: PER_PAGE }),
  );
  const runs = data.workflow_runs
    .filter((run) => run.id !== excludeRunId && run.head_sha === headSha)
    .sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id - a.id);
  for (const run of runs) {
    const artifacts = await withApiError({ action: `list the artifacts of run ${run.id}`, permission }, () =>
      octokit.paginate(octokit.rest.actions.listWorkflowRunArtifacts, { ...repository, run_id: run.id, per_page: PER_PAGE }),
    );
    if (artifacts.some((a) => !a.expired && matchesPattern(a.name, pattern))) return run.id;
  }
  return null;
}

/** The gate's reads over the REST API, for one repository. */
export function githubGateReads(octokit: GitHubClient, repository: RepositoryRef): GateReads {
  return {
    pullRequest: (number) => readPullRequest(octokit, repository, number),
    reviews: (number) => listReviews(octokit, repository, number),
    labelEvents: (number) => listLabelEvents(octokit, repository, number),
    comments: (number) => listComments(octokit, repository, number),
    isActiveTeamMember: (team, login) => isActiveTeamMember(octokit, team, login),
    runApprovals: (runId) => listRunApprovals(octokit, repository, runId),
    setCommitStatus: (status) => setCommitStatus(octokit, repository, status),
    latestRunWithArtifacts: (headSha, pattern, excludeRunId) => latestRunWithArtifacts(octokit, repository, headSha, pattern, excludeRunId),
    downloadRunResults: (runId, pattern) =>
      withApiError({ action: `download the result artifacts of run ${runId}`, permission: 'actions: read' }, async () => {
        try {
          return await downloadRunResults(octokit, repository, runId, pattern);
        } catch (error) {
          // An invalid artifact is a plain error here: the gate fails on it, naming the file.
          if (error instanceof ConfigurationError) throw new Error(error.problems.map(formatProblem).join('; '), { cause: error });
          throw error;
        }
      }),
  };
}

/** The gate's reads for a token, as the gate command's services want them. */
export function gateReadsFor(token: string, repository: RepositoryRef, environment: Environment): GateReads {
  return githubGateReads(createGitHubClient({ token, log: environment.log }), repository);
}
