import type {
  Account,
  ArtifactRecord,
  CheckRunRecord,
  CommentRecord,
  DeploymentRecord,
  DeploymentStatusRecord,
  IssueEventRecord,
  IssueRecord,
  RepositoryRecord,
  ReviewRecord,
  RunApprovalRecord,
  StatusRecord,
  TeamMembershipRecord,
  WorkflowRunRecord, EnvironmentVariableRecord, ReleaseRecord } from './state.js';

/**
 * Turns store records into the JSON GitHub answers, with every property the OpenAPI
 * description marks required. `api` is the server's own base URL (every `url` points back
 * at it); `web` is the host of `html_url`s.
 */
export interface Urls {
  api: string;
  web: string;
}

function nodeId(kind: string, id: number): string {
  return Buffer.from(`${kind}:${id}`).toString('base64').replace(/=+$/, '');
}

export function user(urls: Urls, account: Account): Record<string, unknown> {
  const url = `${urls.api}/users/${encodeURIComponent(account.login)}`;
  return {
    login: account.login,
    id: account.id,
    node_id: nodeId(account.type, account.id),
    avatar_url: `https://avatars.githubusercontent.com/u/${account.id}?v=4`,
    gravatar_id: '',
    url,
    html_url: `${urls.web}/${encodeURIComponent(account.login)}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: account.type,
    user_view_type: 'public',
    site_admin: false,
  };
}

/** `GET /user` for a person's token. */
export function privateUser(urls: Urls, account: Account, createdAt: string): Record<string, unknown> {
  return {
    ...user(urls, account),
    user_view_type: 'private',
    name: account.login,
    company: null,
    blog: '',
    location: null,
    email: null,
    hireable: null,
    bio: null,
    public_repos: 1,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: createdAt,
    updated_at: createdAt,
    private_gists: 0,
    total_private_repos: 0,
    owned_private_repos: 0,
    disk_usage: 0,
    collaborators: 0,
    two_factor_authentication: true,
  };
}

export function repository(urls: Urls, repo: RepositoryRecord, full = false): Record<string, unknown> {
  const url = `${urls.api}/repos/${repo.fullName}`;
  const minimal: Record<string, unknown> = {
    id: repo.id,
    node_id: nodeId('Repository', repo.id),
    name: repo.name,
    full_name: repo.fullName,
    owner: user(urls, repo.owner),
    private: repo.private,
    html_url: `${urls.web}/${repo.fullName}`,
    description: null,
    fork: false,
    url,
    archive_url: `${url}/{archive_format}{/ref}`,
    assignees_url: `${url}/assignees{/user}`,
    blobs_url: `${url}/git/blobs{/sha}`,
    branches_url: `${url}/branches{/branch}`,
    collaborators_url: `${url}/collaborators{/collaborator}`,
    comments_url: `${url}/comments{/number}`,
    commits_url: `${url}/commits{/sha}`,
    compare_url: `${url}/compare/{base}...{head}`,
    contents_url: `${url}/contents/{+path}`,
    contributors_url: `${url}/contributors`,
    deployments_url: `${url}/deployments`,
    downloads_url: `${url}/downloads`,
    events_url: `${url}/events`,
    forks_url: `${url}/forks`,
    git_commits_url: `${url}/git/commits{/sha}`,
    git_refs_url: `${url}/git/refs{/sha}`,
    git_tags_url: `${url}/git/tags{/sha}`,
    hooks_url: `${url}/hooks`,
    issue_comment_url: `${url}/issues/comments{/number}`,
    issue_events_url: `${url}/issues/events{/number}`,
    issues_url: `${url}/issues{/number}`,
    keys_url: `${url}/keys{/key_id}`,
    labels_url: `${url}/labels{/name}`,
    languages_url: `${url}/languages`,
    merges_url: `${url}/merges`,
    milestones_url: `${url}/milestones{/number}`,
    notifications_url: `${url}/notifications{?since,all,participating}`,
    pulls_url: `${url}/pulls{/number}`,
    releases_url: `${url}/releases{/id}`,
    stargazers_url: `${url}/stargazers`,
    statuses_url: `${url}/statuses/{sha}`,
    subscribers_url: `${url}/subscribers`,
    subscription_url: `${url}/subscription`,
    tags_url: `${url}/tags`,
    teams_url: `${url}/teams`,
    trees_url: `${url}/git/trees{/sha}`,
  };
  if (!full) return minimal;
  return {
    ...minimal,
    clone_url: `${urls.web}/${repo.fullName}.git`,
    git_url: `git://${new URL(urls.web).host}/${repo.fullName}.git`,
    ssh_url: `git@${new URL(urls.web).host}:${repo.fullName}.git`,
    svn_url: `${urls.web}/${repo.fullName}`,
    mirror_url: null,
    homepage: null,
    language: 'TypeScript',
    forks: 0,
    forks_count: 0,
    stargazers_count: 0,
    watchers: 0,
    watchers_count: 0,
    size: 1,
    default_branch: repo.defaultBranch,
    open_issues: 0,
    open_issues_count: 0,
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_discussions: false,
    has_downloads: true,
    archived: false,
    disabled: false,
    visibility: repo.private ? 'private' : 'public',
    license: null,
    pushed_at: repo.createdAt,
    created_at: repo.createdAt,
    updated_at: repo.createdAt,
    network_count: 0,
    subscribers_count: 0,
  };
}

export function labelObject(urls: Urls, repo: string, name: string): Record<string, unknown> {
  // A label's id is stable for its name within the repository.
  let hash = 7;
  for (const char of `${repo}/${name}`) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) >>> 0;
  const id = (hash % 1_000_000_000) + 1;
  return {
    id,
    node_id: nodeId('Label', id),
    url: `${urls.api}/repos/${repo}/labels/${encodeURIComponent(name)}`,
    name,
    description: '',
    color: 'ededed',
    default: false,
  };
}

export function label(urls: Urls, repo: string, name: string): Record<string, unknown> {
  return labelObject(urls, repo, name);
}

function authorAssociation(repo: RepositoryRecord, account: Account): string {
  if (account.login.toLowerCase() === repo.owner.login.toLowerCase()) return 'OWNER';
  return account.type === 'Bot' ? 'NONE' : 'CONTRIBUTOR';
}

export function issue(urls: Urls, repo: RepositoryRecord, record: IssueRecord, commentCount: number): Record<string, unknown> {
  const url = `${urls.api}/repos/${repo.fullName}/issues/${record.number}`;
  const out: Record<string, unknown> = {
    id: record.id,
    node_id: nodeId('Issue', record.id),
    url,
    repository_url: `${urls.api}/repos/${repo.fullName}`,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: `${urls.web}/${repo.fullName}/${record.pull ? 'pull' : 'issues'}/${record.number}`,
    number: record.number,
    state: record.state,
    title: record.title,
    body: record.body,
    user: user(urls, record.author),
    labels: record.labels.map((name) => labelObject(urls, repo.fullName, name)),
    assignee: record.assignees?.[0] ? user(urls, record.assignees[0]) : null,
    assignees: (record.assignees ?? []).map((a) => user(urls, a)),
    milestone: null,
    locked: false,
    comments: commentCount,
    closed_at: record.closedAt,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    author_association: authorAssociation(repo, record.author),
  };
  if (record.stateReason !== undefined) out.state_reason = record.stateReason;
  if (record.pull) {
    out.pull_request = {
      url: `${urls.api}/repos/${repo.fullName}/pulls/${record.number}`,
      html_url: `${urls.web}/${repo.fullName}/pull/${record.number}`,
      diff_url: `${urls.web}/${repo.fullName}/pull/${record.number}.diff`,
      patch_url: `${urls.web}/${repo.fullName}/pull/${record.number}.patch`,
      merged_at: record.pull.mergedAt,
    };
    out.draft = record.pull.draft;
  }
  return out;
}

/** A pull request: the short form of lists, or the full form of `GET /pulls/{n}`. */
export function pullRequest(urls: Urls, repo: RepositoryRecord, record: IssueRecord, full: boolean, counts: { comments: number; reviewComments: number }): Record<string, unknown> {
  const pull = record.pull!;
  const url = `${urls.api}/repos/${repo.fullName}/pulls/${record.number}`;
  const issueUrl = `${urls.api}/repos/${repo.fullName}/issues/${record.number}`;
  const html = `${urls.web}/${repo.fullName}/pull/${record.number}`;
  const branch = (side: { sha: string; ref: string }) => ({
    label: `${repo.owner.login}:${side.ref}`,
    ref: side.ref,
    sha: side.sha,
    user: user(urls, repo.owner),
    repo: repository(urls, repo, true),
  });
  const out: Record<string, unknown> = {
    url,
    id: pull.id,
    node_id: nodeId('PullRequest', pull.id),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: issueUrl,
    commits_url: `${url}/commits`,
    review_comments_url: `${url}/comments`,
    review_comment_url: `${urls.api}/repos/${repo.fullName}/pulls/comments{/number}`,
    comments_url: `${issueUrl}/comments`,
    statuses_url: `${urls.api}/repos/${repo.fullName}/statuses/${pull.head.sha}`,
    number: record.number,
    state: record.state,
    locked: false,
    title: record.title,
    user: user(urls, record.author),
    body: record.body,
    labels: record.labels.map((name) => labelObject(urls, repo.fullName, name)),
    milestone: null,
    active_lock_reason: null,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    closed_at: record.closedAt,
    merged_at: pull.mergedAt,
    merge_commit_sha: pull.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: branch(pull.head),
    base: branch(pull.base),
    _links: {
      self: { href: url },
      html: { href: html },
      issue: { href: issueUrl },
      comments: { href: `${issueUrl}/comments` },
      review_comments: { href: `${url}/comments` },
      review_comment: { href: `${urls.api}/repos/${repo.fullName}/pulls/comments{/number}` },
      commits: { href: `${url}/commits` },
      statuses: { href: `${urls.api}/repos/${repo.fullName}/statuses/${pull.head.sha}` },
    },
    author_association: authorAssociation(repo, record.author),
    auto_merge: null,
    draft: pull.draft,
  };
  if (!full) return out;
  return {
    ...out,
    merged: pull.mergedAt !== null,
    mergeable: record.state === 'open' ? true : null,
    rebaseable: record.state === 'open' ? true : null,
    mergeable_state: record.state === 'open' ? 'clean' : 'unknown',
    merged_by: null,
    comments: counts.comments,
    review_comments: counts.reviewComments,
    maintainer_can_modify: false,
    commits: 1,
    additions: 1,
    deletions: 0,
    changed_files: 1,
  };
}

/** A comment; `onPull` says whether its issue is a pull request (its `html_url` differs). */
export function issueComment(urls: Urls, repo: RepositoryRecord, record: CommentRecord, onPull: boolean): Record<string, unknown> {
  const issueKind = onPull ? 'pull' : 'issues';
  return {
    id: record.id,
    node_id: nodeId('IssueComment', record.id),
    url: `${urls.api}/repos/${repo.fullName}/issues/comments/${record.id}`,
    html_url: `${urls.web}/${repo.fullName}/${issueKind}/${record.issueNumber}#issuecomment-${record.id}`,
    body: record.body,
    user: user(urls, record.author),
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    issue_url: `${urls.api}/repos/${repo.fullName}/issues/${record.issueNumber}`,
    author_association: authorAssociation(repo, record.author),
  };
}

export function review(urls: Urls, repo: RepositoryRecord, record: ReviewRecord): Record<string, unknown> {
  const html = `${urls.web}/${repo.fullName}/pull/${record.pullNumber}#pullrequestreview-${record.id}`;
  const pullUrl = `${urls.api}/repos/${repo.fullName}/pulls/${record.pullNumber}`;
  return {
    id: record.id,
    node_id: nodeId('PullRequestReview', record.id),
    user: user(urls, record.user),
    body: record.body,
    state: record.state,
    html_url: html,
    pull_request_url: pullUrl,
    _links: { html: { href: html }, pull_request: { href: pullUrl } },
    submitted_at: record.submittedAt,
    commit_id: record.commitId,
    author_association: authorAssociation(repo, record.user),
  };
}

export function issueEvent(urls: Urls, repo: RepositoryRecord, record: IssueEventRecord): Record<string, unknown> {
  return {
    id: record.id,
    node_id: nodeId(record.event === 'labeled' ? 'LabeledEvent' : 'UnlabeledEvent', record.id),
    url: `${urls.api}/repos/${repo.fullName}/issues/events/${record.id}`,
    actor: user(urls, record.actor),
    event: record.event,
    commit_id: null,
    commit_url: null,
    created_at: record.createdAt,
    performed_via_github_app: null,
    label: { name: record.label, color: 'ededed' },
  };
}

export function teamMembership(urls: Urls, record: TeamMembershipRecord): Record<string, unknown> {
  return {
    url: `${urls.api}/orgs/${record.org}/teams/${record.team}/memberships/${encodeURIComponent(record.login)}`,
    role: record.role,
    state: record.state,
  };
}

export function status(urls: Urls, repo: RepositoryRecord, record: StatusRecord): Record<string, unknown> {
  return {
    url: `${urls.api}/repos/${repo.fullName}/statuses/${record.sha}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${record.creator.id}?v=4`,
    id: record.id,
    node_id: nodeId('StatusContext', record.id),
    state: record.state,
    description: record.description,
    target_url: record.targetUrl,
    context: record.context,
    created_at: record.createdAt,
    updated_at: record.createdAt,
    creator: user(urls, record.creator),
  };
}

export function checkRun(urls: Urls, repo: RepositoryRecord, record: CheckRunRecord): Record<string, unknown> {
  return {
    id: record.id,
    node_id: nodeId('CheckRun', record.id),
    head_sha: record.headSha,
    external_id: '',
    url: `${urls.api}/repos/${repo.fullName}/check-runs/${record.id}`,
    html_url: `${urls.web}/${repo.fullName}/runs/${record.id}`,
    details_url: record.detailsUrl,
    status: record.status,
    conclusion: record.conclusion,
    started_at: record.startedAt,
    completed_at: record.completedAt,
    output: { title: null, summary: null, text: null, annotations_count: 0, annotations_url: `${urls.api}/repos/${repo.fullName}/check-runs/${record.id}/annotations` },
    name: record.name,
    check_suite: { id: record.id + 1 },
    app: null,
    pull_requests: [],
  };
}

export function workflowRun(urls: Urls, repo: RepositoryRecord, record: WorkflowRunRecord, pulls: IssueRecord[]): Record<string, unknown> {
  const url = `${urls.api}/repos/${repo.fullName}/actions/runs/${record.id}`;
  return {
    id: record.id,
    name: record.name,
    node_id: nodeId('WorkflowRun', record.id),
    head_branch: record.headBranch,
    head_sha: record.headSha,
    path: record.path,
    display_title: record.name,
    run_number: record.runNumber,
    run_attempt: record.runAttempt,
    event: record.event,
    status: record.status,
    conclusion: record.conclusion,
    workflow_id: record.workflowId,
    url,
    html_url: `${urls.web}/${repo.fullName}/actions/runs/${record.id}`,
    pull_requests: pulls.map((p) => ({
      id: p.pull!.id,
      number: p.number,
      url: `${urls.api}/repos/${repo.fullName}/pulls/${p.number}`,
      head: { ref: p.pull!.head.ref, sha: p.pull!.head.sha, repo: { id: repo.id, url: `${urls.api}/repos/${repo.fullName}`, name: repo.name } },
      base: { ref: p.pull!.base.ref, sha: p.pull!.base.sha, repo: { id: repo.id, url: `${urls.api}/repos/${repo.fullName}`, name: repo.name } },
    })),
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    actor: user(urls, record.actor),
    triggering_actor: user(urls, record.actor),
    run_started_at: record.createdAt,
    jobs_url: `${url}/jobs`,
    logs_url: `${url}/logs`,
    check_suite_url: `${urls.api}/repos/${repo.fullName}/check-suites/${record.id + 1}`,
    artifacts_url: `${url}/artifacts`,
    cancel_url: `${url}/cancel`,
    rerun_url: `${url}/rerun`,
    workflow_url: `${urls.api}/repos/${repo.fullName}/actions/workflows/${record.workflowId}`,
    head_commit: null,
    repository: repository(urls, repo),
    head_repository: repository(urls, repo),
  };
}

export function artifact(urls: Urls, repo: RepositoryRecord, record: ArtifactRecord, run: WorkflowRunRecord | undefined): Record<string, unknown> {
  const url = `${urls.api}/repos/${repo.fullName}/actions/artifacts/${record.id}`;
  return {
    id: record.id,
    node_id: nodeId('Artifact', record.id),
    name: record.name,
    size_in_bytes: record.zip.byteLength,
    url,
    archive_download_url: `${url}/zip`,
    expired: record.expired,
    created_at: record.createdAt,
    updated_at: record.createdAt,
    expires_at: record.expiresAt,
    digest: null,
    workflow_run: run
      ? { id: run.id, repository_id: repo.id, head_repository_id: repo.id, head_branch: run.headBranch ?? '', head_sha: run.headSha }
      : null,
  };
}

export function runApproval(urls: Urls, repo: RepositoryRecord, record: RunApprovalRecord, createdAt: string): Record<string, unknown> {
  return {
    environments: record.environments.map((name, index) => ({
      id: repo.id * 100 + index,
      node_id: nodeId('Environment', repo.id * 100 + index),
      name,
      url: `${urls.api}/repos/${repo.fullName}/environments/${encodeURIComponent(name)}`,
      html_url: `${urls.web}/${repo.fullName}/deployments/activity_log?environments_filter=${encodeURIComponent(name)}`,
      created_at: createdAt,
      updated_at: createdAt,
    })),
    state: record.state,
    user: user(urls, record.user),
    comment: record.comment,
  };
}

export function deployment(urls: Urls, repo: RepositoryRecord, record: DeploymentRecord): Record<string, unknown> {
  const url = `${urls.api}/repos/${repo.fullName}/deployments/${record.id}`;
  return {
    url,
    id: record.id,
    node_id: nodeId('Deployment', record.id),
    sha: record.sha,
    ref: record.ref,
    task: record.task,
    payload: record.payload,
    original_environment: record.environment,
    environment: record.environment,
    description: record.description,
    creator: user(urls, record.creator),
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    statuses_url: `${url}/statuses`,
    repository_url: `${urls.api}/repos/${repo.fullName}`,
    transient_environment: record.transientEnvironment,
    production_environment: record.productionEnvironment,
  };
}

export function deploymentStatus(urls: Urls, repo: RepositoryRecord, record: DeploymentStatusRecord): Record<string, unknown> {
  const deploymentUrl = `${urls.api}/repos/${repo.fullName}/deployments/${record.deploymentId}`;
  // GitHub answers "" for URLs never set, which its own description (format: uri) rejects;
  // the repository's deployments page stands in.
  const page = `${urls.web}/${repo.fullName}/deployments`;
  return {
    url: `${deploymentUrl}/statuses/${record.id}`,
    id: record.id,
    node_id: nodeId('DeploymentStatus', record.id),
    state: record.state,
    creator: user(urls, record.creator),
    description: record.description,
    environment: record.environment,
    target_url: record.targetUrl || page,
    created_at: record.createdAt,
    updated_at: record.createdAt,
    deployment_url: deploymentUrl,
    repository_url: `${urls.api}/repos/${repo.fullName}`,
    environment_url: record.environmentUrl || page,
    log_url: record.logUrl || page,
  };
}

export function environmentVariable(record: EnvironmentVariableRecord): Record<string, unknown> {
  return { name: record.name, value: record.value, created_at: record.createdAt, updated_at: record.updatedAt };
}

export function release(urls: Urls, repo: RepositoryRecord, record: ReleaseRecord): Record<string, unknown> {
  const url = `${urls.api}/repos/${repo.fullName}/releases/${record.id}`;
  return {
    url,
    html_url: `${urls.web}/${repo.fullName}/releases/tag/${encodeURIComponent(record.tagName)}`,
    assets_url: `${url}/assets`,
    upload_url: `${urls.api.replace('api.', 'uploads.')}/repos/${repo.fullName}/releases/${record.id}/assets{?name,label}`,
    tarball_url: `${urls.api}/repos/${repo.fullName}/tarball/${encodeURIComponent(record.tagName)}`,
    zipball_url: `${urls.api}/repos/${repo.fullName}/zipball/${encodeURIComponent(record.tagName)}`,
    id: record.id,
    node_id: nodeId('Release', record.id),
    tag_name: record.tagName,
    target_commitish: record.targetCommitish,
    name: record.name,
    body: record.body,
    draft: false,
    prerelease: false,
    created_at: record.createdAt,
    published_at: record.createdAt,
    author: user(urls, record.author),
    assets: [],
  };
}
