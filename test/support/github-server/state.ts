/**
 * The in-memory store behind the GitHub API test server, and the typed API tests use to
 * seed it before a run and inspect it after. Every method is synchronous: each request is
 * served by one synchronous pass over the store, so concurrent clients see one consistent
 * store, as they would on GitHub.
 */

export type AccountType = 'User' | 'Bot' | 'Organization';

export interface Account {
  login: string;
  id: number;
  type: AccountType;
}

export interface RepositoryRecord {
  id: number;
  owner: Account;
  name: string;
  fullName: string;
  defaultBranch: string;
  private: boolean;
  createdAt: string;
  /** Branch or tag name → commit sha. */
  refs: Map<string, string>;
  /** Commit sha → (file path → bytes). */
  trees: Map<string, Map<string, Uint8Array>>;
  nextNumber: number;
}

export interface IssueRecord {
  repository: string;
  id: number;
  number: number;
  title: string;
  body: string | null;
  author: Account;
  state: 'open' | 'closed';
  labels: string[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  /** Why it was closed or reopened (`completed`, `not_planned`, `duplicate`, `reopened`). */
  stateReason?: string | null;
  assignees?: Account[];
  /** Set when the issue is a pull request. */
  pull?: PullRecord;
}

export interface PullRecord {
  id: number;
  head: { sha: string; ref: string };
  base: { sha: string; ref: string };
  draft: boolean;
  mergedAt: string | null;
  mergeCommitSha: string | null;
}

export interface CommentRecord {
  repository: string;
  issueNumber: number;
  id: number;
  author: Account;
  body: string;
  createdAt: string;
  updatedAt: string;
}

export type ReviewState = 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';

export interface ReviewRecord {
  repository: string;
  pullNumber: number;
  id: number;
  user: Account;
  state: ReviewState;
  body: string;
  commitId: string;
  submittedAt: string;
}

export interface IssueEventRecord {
  repository: string;
  issueNumber: number;
  id: number;
  event: 'labeled' | 'unlabeled';
  label: string;
  actor: Account;
  createdAt: string;
}

export type CommitState = 'error' | 'failure' | 'pending' | 'success';

export interface StatusRecord {
  repository: string;
  sha: string;
  id: number;
  state: CommitState;
  context: string;
  description: string | null;
  targetUrl: string | null;
  creator: Account;
  createdAt: string;
}

export interface CheckRunRecord {
  repository: string;
  id: number;
  headSha: string;
  name: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: 'success' | 'failure' | 'neutral' | 'cancelled' | 'skipped' | 'timed_out' | 'action_required' | null;
  startedAt: string;
  completedAt: string | null;
  detailsUrl: string | null;
}

export interface WorkflowRunRecord {
  repository: string;
  id: number;
  name: string;
  workflowId: number;
  path: string;
  runNumber: number;
  runAttempt: number;
  event: string;
  status: 'queued' | 'in_progress' | 'completed' | 'waiting' | 'requested' | 'pending';
  conclusion: 'success' | 'failure' | 'neutral' | 'cancelled' | 'skipped' | 'timed_out' | 'action_required' | null;
  headSha: string;
  headBranch: string | null;
  actor: Account;
  pullRequests: number[];
  createdAt: string;
  updatedAt: string;
}

export interface ArtifactRecord {
  repository: string;
  id: number;
  runId: number;
  name: string;
  zip: Uint8Array;
  expired: boolean;
  createdAt: string;
  expiresAt: string;
}

export interface RunApprovalRecord {
  repository: string;
  runId: number;
  environments: string[];
  state: 'approved' | 'rejected' | 'pending';
  user: Account;
  comment: string;
}

export interface DeploymentRecord {
  repository: string;
  id: number;
  sha: string;
  ref: string;
  task: string;
  environment: string;
  payload: Record<string, unknown> | string;
  description: string | null;
  creator: Account;
  transientEnvironment: boolean;
  productionEnvironment: boolean;
  createdAt: string;
  updatedAt: string;
}

export type DeploymentState = 'error' | 'failure' | 'inactive' | 'pending' | 'success' | 'queued' | 'in_progress';

export interface DeploymentStatusRecord {
  repository: string;
  deploymentId: number;
  id: number;
  state: DeploymentState;
  description: string;
  environment: string;
  environmentUrl: string;
  logUrl: string;
  targetUrl: string;
  creator: Account;
  createdAt: string;
}

export interface EnvironmentVariableRecord {
  repository: string;
  environment: string;
  name: string;
  value: string;
  createdAt: string;
  updatedAt: string;
}

export interface ReleaseRecord {
  repository: string;
  id: number;
  tagName: string;
  targetCommitish: string;
  name: string | null;
  body: string | null;
  author: Account;
  createdAt: string;
}

export interface TeamMembershipRecord {
  org: string;
  team: string;
  login: string;
  role: 'member' | 'maintainer';
  state: 'active' | 'pending';
}

export interface GitHubStateOptions {
  /**
   * The clock that stamps every record, in milliseconds since the epoch. Defaults to the
   * real time. Timestamps have GitHub's one-second resolution and never go backwards, so
   * records made within a second share one; ids tell them apart.
   */
  now?: () => number;
}

const SHA = /^[0-9a-f]{40}$/;

/** A fixed-looking 40-hex sha from any text, for tests that need many distinct commits. */
export function fakeSha(seed: string): string {
  let hash = 0x811c9dc5;
  let out = '';
  for (let round = 0; out.length < 40; round++) {
    for (const char of `${seed}#${round}`) {
      hash ^= char.charCodeAt(0);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    out += hash.toString(16).padStart(8, '0');
  }
  return out.slice(0, 40);
}

/** Everything the test server knows. Tests seed it with the `add…`/`set…` methods. */
export class GitHubState {
  private nextId = 1000;
  private lastStamp = 0;
  private readonly now: () => number;
  readonly accounts = new Map<string, Account>();
  readonly repositories = new Map<string, RepositoryRecord>();
  readonly issues: IssueRecord[] = [];
  /** Repository labels by repository (lower-case full name), lower-case label name → name. */
  readonly repositoryLabels = new Map<string, Map<string, string>>();
  readonly comments: CommentRecord[] = [];
  readonly reviews: ReviewRecord[] = [];
  readonly issueEvents: IssueEventRecord[] = [];
  readonly statuses: StatusRecord[] = [];
  readonly checkRuns: CheckRunRecord[] = [];
  readonly workflowRuns: WorkflowRunRecord[] = [];
  readonly artifacts: ArtifactRecord[] = [];
  readonly runApprovals: RunApprovalRecord[] = [];
  readonly deployments: DeploymentRecord[] = [];
  readonly deploymentStatuses: DeploymentStatusRecord[] = [];
  readonly teamMemberships: TeamMembershipRecord[] = [];
  /** `owner/name` (lower case) → names of its environments. Deployments create theirs. */
  readonly environments = new Map<string, Set<string>>();
  readonly environmentVariables: EnvironmentVariableRecord[] = [];
  readonly releases: ReleaseRecord[] = [];

  constructor(options: GitHubStateOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  /** A new id, larger than every id given before (ids of all kinds share one sequence). */
  id(): number {
    return this.nextId++;
  }

  /** The clock's time as an ISO timestamp (second resolution), never before the previous one. */
  timestamp(): string {
    const seconds = Math.max(Math.floor(this.now() / 1000), this.lastStamp);
    this.lastStamp = seconds;
    return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  /**
   * The account with this login, created on first use. Logins ending in `[bot]` are bots;
   * pass `type` to make an organisation.
   */
  account(login: string, type?: AccountType): Account {
    let account = this.accounts.get(login.toLowerCase());
    if (!account) {
      account = { login, id: this.id(), type: type ?? (login.endsWith('[bot]') ? 'Bot' : 'User') };
      this.accounts.set(login.toLowerCase(), account);
    }
    return account;
  }

  /** Creates a repository (`owner/name`), or returns it when it exists. */
  addRepository(fullName: string, options: { defaultBranch?: string; private?: boolean; defaultBranchSha?: string } = {}): RepositoryRecord {
    const existing = this.repositories.get(fullName.toLowerCase());
    if (existing) return existing;
    const [owner, name, extra] = fullName.split('/');
    if (!owner || !name || extra !== undefined) throw new Error(`repository must be 'owner/name', got '${fullName}'`);
    const defaultBranch = options.defaultBranch ?? 'main';
    const repository: RepositoryRecord = {
      id: this.id(),
      owner: this.account(owner),
      name,
      fullName,
      defaultBranch,
      private: options.private ?? false,
      createdAt: this.timestamp(),
      refs: new Map([[defaultBranch, options.defaultBranchSha ?? fakeSha(`${fullName}:${defaultBranch}`)]]),
      trees: new Map(),
      nextNumber: 1,
    };
    this.repositories.set(fullName.toLowerCase(), repository);
    return repository;
  }

  /** The repository, or undefined: requests for an unknown repository answer 404. */
  repository(fullName: string): RepositoryRecord | undefined {
    return this.repositories.get(fullName.toLowerCase());
  }

  /** Points a branch or tag at a commit. */
  setRef(fullName: string, ref: string, sha: string): void {
    if (!SHA.test(sha)) throw new Error(`sha must be 40 lowercase hex digits, got '${sha}'`);
    this.addRepository(fullName).refs.set(ref, sha);
  }

  /** The commit a ref names: a full sha as it is, else a branch or tag; undefined when unknown. */
  resolveRef(repository: RepositoryRecord, ref: string): string | undefined {
    if (SHA.test(ref)) return ref;
    return repository.refs.get(ref.replace(/^refs\/(heads|tags)\//, ''));
  }

  /**
   * Stores a file at a commit, or at a branch (resolved to the branch's commit). The
   * contents API then serves it at that ref, and at the default branch when `ref` is omitted
   * and the file is stored on the default branch.
   */
  setFile(fullName: string, ref: string, path: string, content: string | Uint8Array): void {
    const repository = this.addRepository(fullName);
    const sha = this.resolveRef(repository, ref);
    if (!sha) throw new Error(`unknown ref '${ref}' in ${fullName}: call setRef first, or pass a 40-hex sha`);
    let tree = repository.trees.get(sha);
    if (!tree) {
      tree = new Map();
      repository.trees.set(sha, tree);
    }
    tree.set(path.replace(/^\/+/, ''), typeof content === 'string' ? new TextEncoder().encode(content) : content);
  }

  /** Opens a pull request; returns its issue record (`number`, `pull`). */
  addPullRequest(
    fullName: string,
    options: {
      number?: number;
      title?: string;
      body?: string | null;
      author?: string;
      head: { sha: string; ref?: string };
      base?: { sha?: string; ref?: string };
      labels?: string[];
      state?: 'open' | 'closed';
      draft?: boolean;
      mergedAt?: string | null;
      mergeCommitSha?: string | null;
    },
  ): IssueRecord {
    const repository = this.addRepository(fullName);
    const number = options.number ?? repository.nextNumber;
    if (this.findIssue(fullName, number)) throw new Error(`${fullName}#${number} exists already`);
    repository.nextNumber = Math.max(repository.nextNumber, number + 1);
    const baseRef = options.base?.ref ?? repository.defaultBranch;
    const createdAt = this.timestamp();
    const issue: IssueRecord = {
      repository: repository.fullName,
      id: this.id(),
      number,
      title: options.title ?? `Pull request ${number}`,
      body: options.body ?? null,
      author: this.account(options.author ?? 'octocat'),
      state: options.state ?? 'open',
      labels: [...(options.labels ?? [])],
      createdAt,
      updatedAt: createdAt,
      closedAt: options.state === 'closed' ? createdAt : null,
      pull: {
        id: this.id(),
        head: { sha: options.head.sha, ref: options.head.ref ?? `topic-${number}` },
        base: { sha: options.base?.sha ?? repository.refs.get(baseRef) ?? fakeSha(`${fullName}:${baseRef}`), ref: baseRef },
        draft: options.draft ?? false,
        mergedAt: options.mergedAt ?? null,
        mergeCommitSha: options.mergeCommitSha ?? null,
      },
    };
    this.issues.push(issue);
    return issue;
  }

  /** Opens a plain issue (no pull request). */
  addIssue(fullName: string, options: { number?: number; title?: string; body?: string | null; author?: string; labels?: string[] } = {}): IssueRecord {
    const repository = this.addRepository(fullName);
    const number = options.number ?? repository.nextNumber;
    if (this.findIssue(fullName, number)) throw new Error(`${fullName}#${number} exists already`);
    repository.nextNumber = Math.max(repository.nextNumber, number + 1);
    const createdAt = this.timestamp();
    const issue: IssueRecord = {
      repository: repository.fullName,
      id: this.id(),
      number,
      title: options.title ?? `Issue ${number}`,
      body: options.body ?? null,
      author: this.account(options.author ?? 'octocat'),
      state: 'open',
      labels: [...(options.labels ?? [])],
      createdAt,
      updatedAt: createdAt,
      closedAt: null,
    };
    this.issues.push(issue);
    return issue;
  }

  /** Creates a repository label; false when one of that name (case-insensitively) exists, as GitHub answers 422. */
  createLabel(fullName: string, name: string): boolean {
    const key = fullName.toLowerCase();
    let labels = this.repositoryLabels.get(key);
    if (!labels) this.repositoryLabels.set(key, (labels = new Map()));
    if (labels.has(name.toLowerCase())) return false;
    labels.set(name.toLowerCase(), name);
    return true;
  }

  /** The plain issues (no pull requests) of a repository, lowest number first. */
  plainIssues(fullName: string): IssueRecord[] {
    const key = fullName.toLowerCase();
    return this.issues.filter((i) => i.repository.toLowerCase() === key && !i.pull).sort((a, b) => a.number - b.number);
  }

  findIssue(fullName: string, number: number): IssueRecord | undefined {
    const key = fullName.toLowerCase();
    return this.issues.find((issue) => issue.repository.toLowerCase() === key && issue.number === number);
  }

  private issueOrThrow(fullName: string, number: number): IssueRecord {
    const issue = this.findIssue(fullName, number);
    if (!issue) throw new Error(`${fullName}#${number} does not exist: add the pull request or issue first`);
    return issue;
  }

  /** Moves a pull request's head to a new commit (a push), as `synchronize` does. */
  pushToPullRequest(fullName: string, number: number, sha: string): void {
    const issue = this.issueOrThrow(fullName, number);
    if (!issue.pull) throw new Error(`${fullName}#${number} is not a pull request`);
    issue.pull.head.sha = sha;
    issue.updatedAt = this.timestamp();
  }

  /** Adds a comment as `author` (a login; `…[bot]` logins are bots). */
  addIssueComment(fullName: string, issueNumber: number, options: { author: string; body: string; authorType?: AccountType }): CommentRecord {
    this.issueOrThrow(fullName, issueNumber);
    const createdAt = this.timestamp();
    const comment: CommentRecord = {
      repository: this.repository(fullName)!.fullName,
      issueNumber,
      id: this.id(),
      author: this.account(options.author, options.authorType),
      body: options.body,
      createdAt,
      updatedAt: createdAt,
    };
    this.comments.push(comment);
    return comment;
  }

  /** The comments on an issue or pull request, oldest first. */
  issueComments(fullName: string, issueNumber: number): CommentRecord[] {
    const key = fullName.toLowerCase();
    return this.comments.filter((c) => c.repository.toLowerCase() === key && c.issueNumber === issueNumber);
  }

  /** Adds a submitted review. `commitId` is the head sha the review was made on. */
  addReview(
    fullName: string,
    pullNumber: number,
    options: { user: string; state: ReviewState; commitId: string; body?: string; submittedAt?: string },
  ): ReviewRecord {
    const issue = this.issueOrThrow(fullName, pullNumber);
    if (!issue.pull) throw new Error(`${fullName}#${pullNumber} is not a pull request`);
    const review: ReviewRecord = {
      repository: issue.repository,
      pullNumber,
      id: this.id(),
      user: this.account(options.user),
      state: options.state,
      body: options.body ?? '',
      commitId: options.commitId,
      submittedAt: options.submittedAt ?? this.timestamp(),
    };
    this.reviews.push(review);
    return review;
  }

  /** Applies a label as `actor`, recording the `labeled` event GitHub keeps. */
  labelIssue(fullName: string, issueNumber: number, label: string, actor: string): IssueEventRecord {
    const issue = this.issueOrThrow(fullName, issueNumber);
    if (!issue.labels.includes(label)) issue.labels.push(label);
    return this.recordIssueEvent(issue, 'labeled', label, actor);
  }

  /** Removes a label as `actor`, recording the `unlabeled` event. */
  unlabelIssue(fullName: string, issueNumber: number, label: string, actor: string): IssueEventRecord {
    const issue = this.issueOrThrow(fullName, issueNumber);
    issue.labels = issue.labels.filter((l) => l !== label);
    return this.recordIssueEvent(issue, 'unlabeled', label, actor);
  }

  private recordIssueEvent(issue: IssueRecord, event: 'labeled' | 'unlabeled', label: string, actor: string): IssueEventRecord {
    const record: IssueEventRecord = {
      repository: issue.repository,
      issueNumber: issue.number,
      id: this.id(),
      event,
      label,
      actor: this.account(actor),
      createdAt: this.timestamp(),
    };
    this.issueEvents.push(record);
    return record;
  }

  /** Makes `login` a member of the team `org/team`. */
  addTeamMember(org: string, team: string, login: string, options: { role?: 'member' | 'maintainer'; state?: 'active' | 'pending' } = {}): void {
    this.account(login);
    this.teamMemberships.push({ org, team, login, role: options.role ?? 'member', state: options.state ?? 'active' });
  }

  /** Sets a commit status, as `POST /statuses/{sha}` does. */
  addStatus(
    fullName: string,
    sha: string,
    options: { state: CommitState; context?: string; description?: string | null; targetUrl?: string | null; creator?: string },
  ): StatusRecord {
    const repository = this.addRepository(fullName);
    const status: StatusRecord = {
      repository: repository.fullName,
      sha,
      id: this.id(),
      state: options.state,
      context: options.context ?? 'default',
      description: options.description ?? null,
      targetUrl: options.targetUrl ?? null,
      creator: this.account(options.creator ?? 'github-actions[bot]'),
      createdAt: this.timestamp(),
    };
    this.statuses.push(status);
    return status;
  }

  /** The statuses set on a commit, newest first (as the API lists them). */
  commitStatuses(fullName: string, sha: string): StatusRecord[] {
    const key = fullName.toLowerCase();
    return this.statuses.filter((s) => s.repository.toLowerCase() === key && s.sha === sha).reverse();
  }

  addCheckRun(
    fullName: string,
    options: {
      headSha: string;
      name: string;
      status?: CheckRunRecord['status'];
      conclusion?: CheckRunRecord['conclusion'];
      startedAt?: string;
      completedAt?: string | null;
      detailsUrl?: string | null;
    },
  ): CheckRunRecord {
    const repository = this.addRepository(fullName);
    const status = options.status ?? 'completed';
    const startedAt = options.startedAt ?? this.timestamp();
    const run: CheckRunRecord = {
      repository: repository.fullName,
      id: this.id(),
      headSha: options.headSha,
      name: options.name,
      status,
      conclusion: options.conclusion ?? (status === 'completed' ? 'success' : null),
      startedAt,
      completedAt: options.completedAt !== undefined ? options.completedAt : status === 'completed' ? this.timestamp() : null,
      detailsUrl: options.detailsUrl ?? null,
    };
    this.checkRuns.push(run);
    return run;
  }

  addWorkflowRun(
    fullName: string,
    options: {
      headSha: string;
      name?: string;
      workflowId?: number;
      path?: string;
      event?: string;
      status?: WorkflowRunRecord['status'];
      conclusion?: WorkflowRunRecord['conclusion'];
      headBranch?: string | null;
      actor?: string;
      pullRequests?: number[];
      runAttempt?: number;
    },
  ): WorkflowRunRecord {
    const repository = this.addRepository(fullName);
    const status = options.status ?? 'completed';
    const workflowId = options.workflowId ?? 161335;
    const runNumber = this.workflowRuns.filter((r) => r.repository === repository.fullName && r.workflowId === workflowId).length + 1;
    const createdAt = this.timestamp();
    const run: WorkflowRunRecord = {
      repository: repository.fullName,
      id: this.id(),
      name: options.name ?? 'CI',
      workflowId,
      path: options.path ?? '.github/workflows/ci.yml',
      runNumber,
      runAttempt: options.runAttempt ?? 1,
      event: options.event ?? 'pull_request',
      status,
      conclusion: options.conclusion !== undefined ? options.conclusion : status === 'completed' ? 'success' : null,
      headSha: options.headSha,
      headBranch: options.headBranch !== undefined ? options.headBranch : 'main',
      actor: this.account(options.actor ?? 'octocat'),
      pullRequests: options.pullRequests ?? [],
      createdAt,
      updatedAt: createdAt,
    };
    this.workflowRuns.push(run);
    return run;
  }

  /** Uploads an artifact (the bytes of its zip archive) to a workflow run. */
  addArtifact(fullName: string, runId: number, options: { name: string; zip: Uint8Array; expired?: boolean }): ArtifactRecord {
    const run = this.workflowRuns.find((r) => r.id === runId && r.repository.toLowerCase() === fullName.toLowerCase());
    if (!run) throw new Error(`workflow run ${runId} does not exist in ${fullName}: add it first`);
    const createdAt = this.timestamp();
    const artifact: ArtifactRecord = {
      repository: run.repository,
      id: this.id(),
      runId,
      name: options.name,
      zip: options.zip,
      expired: options.expired ?? false,
      createdAt,
      expiresAt: new Date(Date.parse(createdAt) + 90 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    this.artifacts.push(artifact);
    return artifact;
  }

  /** Records a reviewer's decision on a run waiting for environment protection. */
  addRunApproval(
    fullName: string,
    runId: number,
    options: { environments: string[]; state: RunApprovalRecord['state']; user: string; comment?: string },
  ): RunApprovalRecord {
    const repository = this.addRepository(fullName);
    const approval: RunApprovalRecord = {
      repository: repository.fullName,
      runId,
      environments: options.environments,
      state: options.state,
      user: this.account(options.user),
      comment: options.comment ?? '',
    };
    this.runApprovals.push(approval);
    return approval;
  }

  /** Creates a deployment environment of a repository (GitHub creates one on the first deployment to it). */
  addEnvironment(fullName: string, name: string): void {
    const repository = this.addRepository(fullName);
    const key = repository.fullName.toLowerCase();
    if (!this.environments.has(key)) this.environments.set(key, new Set());
    this.environments.get(key)!.add(name);
  }

  /** Whether the repository has the environment. */
  hasEnvironment(fullName: string, name: string): boolean {
    return this.environments.get(fullName.toLowerCase())?.has(name) ?? false;
  }

  /** The variables of an environment, sorted by name as GitHub lists them. */
  variablesOf(fullName: string, environment: string): EnvironmentVariableRecord[] {
    return this.environmentVariables
      .filter((v) => v.repository.toLowerCase() === fullName.toLowerCase() && v.environment === environment)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Sets an environment variable (names are upper-cased, as GitHub stores them). */
  setVariable(fullName: string, environment: string, name: string, value: string): EnvironmentVariableRecord {
    const repository = this.addRepository(fullName);
    this.addEnvironment(fullName, environment);
    const upper = name.toUpperCase();
    const existing = this.variablesOf(fullName, environment).find((v) => v.name === upper);
    const now = this.timestamp();
    if (existing) {
      existing.value = value;
      existing.updatedAt = now;
      return existing;
    }
    const record: EnvironmentVariableRecord = { repository: repository.fullName, environment, name: upper, value, createdAt: now, updatedAt: now };
    this.environmentVariables.push(record);
    return record;
  }

  /**
   * Commits one file to a branch, as the contents API does: a new commit (a fake sha) whose
   * tree is the branch's tree with the file changed, and the branch moved to it.
   */
  commitFile(fullName: string, branch: string, path: string, content: Uint8Array, message: string): string {
    const repository = this.addRepository(fullName);
    const parent = repository.refs.get(branch);
    if (!parent) throw new Error(`unknown branch '${branch}' in ${fullName}`);
    const sha = fakeSha(`${fullName}:${branch}:${parent}:${path}:${message}:${this.id()}`);
    const tree = new Map(repository.trees.get(parent) ?? []);
    tree.set(path.replace(/^\/+/, ''), content);
    repository.trees.set(sha, tree);
    repository.refs.set(branch, sha);
    return sha;
  }

  /** Creates a deployment directly (no status checks), as the API does with `required_contexts: []`. */
  addDeployment(
    fullName: string,
    options: {
      sha: string;
      ref?: string;
      environment?: string;
      task?: string;
      payload?: Record<string, unknown> | string;
      description?: string | null;
      creator?: string;
      transientEnvironment?: boolean;
      productionEnvironment?: boolean;
    },
  ): DeploymentRecord {
    const repository = this.addRepository(fullName);
    const environment = options.environment ?? 'production';
    this.addEnvironment(fullName, environment);
    const createdAt = this.timestamp();
    const deployment: DeploymentRecord = {
      repository: repository.fullName,
      id: this.id(),
      sha: options.sha,
      ref: options.ref ?? options.sha,
      task: options.task ?? 'deploy',
      environment,
      payload: options.payload ?? {},
      description: options.description ?? null,
      creator: this.account(options.creator ?? 'github-actions[bot]'),
      transientEnvironment: options.transientEnvironment ?? false,
      productionEnvironment: options.productionEnvironment ?? environment === 'production',
      createdAt,
      updatedAt: createdAt,
    };
    this.deployments.push(deployment);
    return deployment;
  }

  /**
   * Adds a status to a deployment. Like the API, a `success` status marks earlier
   * successful deployments to the same non-production, non-transient environment
   * `inactive` unless `autoInactive` is false.
   */
  addDeploymentStatus(
    fullName: string,
    deploymentId: number,
    options: {
      state: DeploymentState;
      description?: string;
      environment?: string;
      environmentUrl?: string;
      logUrl?: string;
      creator?: string;
      autoInactive?: boolean;
    },
  ): DeploymentStatusRecord {
    const deployment = this.deployments.find((d) => d.id === deploymentId && d.repository.toLowerCase() === fullName.toLowerCase());
    if (!deployment) throw new Error(`deployment ${deploymentId} does not exist in ${fullName}`);
    const status = this.pushDeploymentStatus(deployment, options);
    if (options.state === 'success' && options.autoInactive !== false && !deployment.productionEnvironment && !deployment.transientEnvironment) {
      for (const earlier of this.deployments) {
        if (earlier === deployment || earlier.repository !== deployment.repository || earlier.environment !== deployment.environment) continue;
        if (earlier.id > deployment.id) continue;
        if (this.deploymentStatusesOf(earlier.id)[0]?.state === 'success') {
          this.pushDeploymentStatus(earlier, { state: 'inactive', creator: options.creator });
        }
      }
    }
    return status;
  }

  private pushDeploymentStatus(
    deployment: DeploymentRecord,
    options: { state: DeploymentState; description?: string; environment?: string; environmentUrl?: string; logUrl?: string; creator?: string },
  ): DeploymentStatusRecord {
    const status: DeploymentStatusRecord = {
      repository: deployment.repository,
      deploymentId: deployment.id,
      id: this.id(),
      state: options.state,
      description: options.description ?? '',
      environment: options.environment ?? deployment.environment,
      environmentUrl: options.environmentUrl ?? '',
      logUrl: options.logUrl ?? '',
      targetUrl: options.logUrl ?? '',
      creator: this.account(options.creator ?? 'github-actions[bot]'),
      createdAt: this.timestamp(),
    };
    this.deploymentStatuses.push(status);
    deployment.updatedAt = status.createdAt;
    return status;
  }

  /** A deployment's statuses, newest first. */
  deploymentStatusesOf(deploymentId: number): DeploymentStatusRecord[] {
    return this.deploymentStatuses.filter((s) => s.deploymentId === deploymentId).reverse();
  }
}
