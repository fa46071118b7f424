import { createHash } from 'node:crypto';
import * as render from './render.js';
import type { Urls } from './render.js';
import type { Account, CommitState, DeploymentState, GitHubState, IssueRecord, RepositoryRecord } from './state.js';

/** What a handler answers: a JSON body, or raw bytes with their content type. */
export interface Reply {
  status: number;
  body?: unknown;
  raw?: Uint8Array;
  contentType?: string;
  headers?: Record<string, string>;
}

/** An error answer with GitHub's body (`message`, `documentation_url`, `status`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export interface HandlerContext {
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: Record<string, unknown> | undefined;
  account: Account;
  state: GitHubState;
  urls: Urls;
  /** Accept header of the request (`application/vnd.github.raw` or `.v3.raw` asks for raw contents). */
  accept: string;
  /** One page of `items` as GitHub pages lists (`per_page`, `page`), with the `Link` header. */
  page<T>(items: T[]): { items: T[]; headers: Record<string, string> };
  /** A URL on this server that serves `bytes` without authentication, as a signed download URL. */
  downloadUrl(bytes: Uint8Array, contentType: string): string;
}

type Handler = (ctx: HandlerContext) => Reply;

const MAX_COMMENT_LENGTH = 65_536;
const MAX_STATUS_DESCRIPTION = 140;

function notFound(): ApiError {
  return new ApiError(404, 'Not Found');
}

function validationFailed(resource: string, field: string, message: string): ApiError {
  return new ApiError(422, 'Validation Failed', { errors: [{ resource, code: 'custom', field, message }] });
}

function repositoryOf(ctx: HandlerContext): RepositoryRecord {
  const repository = ctx.state.repository(`${ctx.params.owner}/${ctx.params.repo}`);
  if (!repository) throw notFound();
  return repository;
}

function numberParam(ctx: HandlerContext, name: string): number {
  const value = Number(ctx.params[name]);
  if (!Number.isInteger(value)) throw notFound();
  return value;
}

function issueOf(ctx: HandlerContext, repository: RepositoryRecord, name = 'issue_number'): IssueRecord {
  const issue = ctx.state.findIssue(repository.fullName, numberParam(ctx, name));
  if (!issue) throw notFound();
  return issue;
}

function pullOf(ctx: HandlerContext, repository: RepositoryRecord): IssueRecord {
  const issue = issueOf(ctx, repository, 'pull_number');
  if (!issue.pull) throw notFound();
  return issue;
}

function commentCount(ctx: HandlerContext, issue: IssueRecord): number {
  return ctx.state.issueComments(issue.repository, issue.number).length;
}

function sameRepository(record: { repository: string }, repository: RepositoryRecord): boolean {
  return record.repository === repository.fullName;
}

function stringQuery(ctx: HandlerContext, name: string): string | undefined {
  const value = ctx.query[name];
  return value === undefined ? undefined : String(value);
}

function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return headers ? { status, body, headers } : { status, body };
}

function requireString(ctx: HandlerContext, field: string): string {
  const value = ctx.body?.[field];
  if (typeof value !== 'string') throw validationFailed('Body', field, `${field} is required`);
  return value;
}

/** Base64 wrapped at 60 characters a line, as the contents API returns it. */
function wrappedBase64(bytes: Uint8Array): string {
  const text = Buffer.from(bytes).toString('base64');
  return (text.match(/.{1,60}/g) ?? ['']).join('\n') + '\n';
}

/** Git's blob id: the sha1 of `blob <size>\0` followed by the content. */
function gitBlobSha(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.byteLength}\0`).update(bytes).digest('hex');
}

const handlers: Record<string, Handler> = {
  'users/get-authenticated': (ctx) => {
    if (ctx.account.type === 'Bot') throw new ApiError(403, 'Resource not accessible by integration');
    return json(200, render.privateUser(ctx.urls, ctx.account, '2020-01-01T00:00:00Z'));
  },

  'repos/get': (ctx) => json(200, render.repository(ctx.urls, repositoryOf(ctx), true)),

  'repos/get-content': (ctx) => {
    const repository = repositoryOf(ctx);
    const ref = stringQuery(ctx, 'ref') ?? repository.defaultBranch;
    const sha = ctx.state.resolveRef(repository, ref);
    if (!sha) throw new ApiError(404, `No commit found for the ref ${ref}`);
    const tree = repository.trees.get(sha);
    const path = ctx.params.path!.replace(/^\/+|\/+$/g, '');
    const bytes = tree?.get(path);
    const url = `${ctx.urls.api}/repos/${repository.fullName}/contents/${path}?ref=${encodeURIComponent(ref)}`;
    if (bytes) {
      if (/application\/vnd\.github(\.v3)?\.raw/.test(ctx.accept)) {
        return { status: 200, raw: bytes, contentType: 'application/vnd.github.raw; charset=utf-8' };
      }
      const blobSha = gitBlobSha(bytes);
      const html = `${ctx.urls.web}/${repository.fullName}/blob/${ref}/${path}`;
      const git = `${ctx.urls.api}/repos/${repository.fullName}/git/blobs/${blobSha}`;
      // Files over 1 MiB come without content; clients ask for the raw media type instead.
      const large = bytes.byteLength > 1024 * 1024;
      return json(200, {
        type: 'file',
        encoding: large ? 'none' : 'base64',
        size: bytes.byteLength,
        name: path.split('/').pop(),
        path,
        content: large ? '' : wrappedBase64(bytes),
        sha: blobSha,
        url,
        git_url: git,
        html_url: html,
        download_url: `${ctx.urls.web}/${repository.fullName}/raw/${ref}/${path}`,
        _links: { self: url, git, html },
      });
    }
    const prefix = path === '' ? '' : `${path}/`;
    const entries = new Map<string, 'file' | 'dir'>();
    for (const [filePath] of tree ?? []) {
      if (!filePath.startsWith(prefix)) continue;
      const rest = filePath.slice(prefix.length);
      const [head, ...tail] = rest.split('/');
      entries.set(head!, tail.length > 0 ? 'dir' : 'file');
    }
    if (entries.size === 0) throw notFound();
    const list = [...entries].sort(([a], [b]) => a.localeCompare(b)).map(([name, type]) => {
      const entryPath = `${prefix}${name}`;
      const entryUrl = `${ctx.urls.api}/repos/${repository.fullName}/contents/${entryPath}?ref=${encodeURIComponent(ref)}`;
      const entryBytes = tree!.get(entryPath);
      const entrySha = entryBytes ? gitBlobSha(entryBytes) : gitBlobSha(new TextEncoder().encode(entryPath));
      const html = `${ctx.urls.web}/${repository.fullName}/${type === 'dir' ? 'tree' : 'blob'}/${ref}/${entryPath}`;
      const git = `${ctx.urls.api}/repos/${repository.fullName}/git/${type === 'dir' ? 'trees' : 'blobs'}/${entrySha}`;
      return {
        type,
        size: entryBytes?.byteLength ?? 0,
        name,
        path: entryPath,
        sha: entrySha,
        url: entryUrl,
        git_url: git,
        html_url: html,
        download_url: type === 'file' ? `${ctx.urls.web}/${repository.fullName}/raw/${ref}/${entryPath}` : null,
        _links: { self: entryUrl, git, html },
      };
    });
    return json(200, list);
  },

  'pulls/list': (ctx) => {
    const repository = repositoryOf(ctx);
    const state = stringQuery(ctx, 'state') ?? 'open';
    const head = stringQuery(ctx, 'head');
    const base = stringQuery(ctx, 'base');
    let pulls = ctx.state.issues.filter((i) => i.pull && sameRepository(i, repository));
    if (state !== 'all') pulls = pulls.filter((p) => p.state === state);
    if (head) pulls = pulls.filter((p) => `${repository.owner.login}:${p.pull!.head.ref}` === head || p.pull!.head.ref === head);
    if (base) pulls = pulls.filter((p) => p.pull!.base.ref === base);
    const ascending = stringQuery(ctx, 'direction') === 'asc';
    pulls = [...pulls].sort((a, b) => (ascending ? a.number - b.number : b.number - a.number));
    const { items, headers } = ctx.page(pulls);
    return json(200, items.map((p) => render.pullRequest(ctx.urls, repository, p, false, { comments: 0, reviewComments: 0 })), headers);
  },

  'pulls/get': (ctx) => {
    const repository = repositoryOf(ctx);
    const pull = pullOf(ctx, repository);
    return json(200, render.pullRequest(ctx.urls, repository, pull, true, { comments: commentCount(ctx, pull), reviewComments: 0 }));
  },

  'pulls/list-reviews': (ctx) => {
    const repository = repositoryOf(ctx);
    const pull = pullOf(ctx, repository);
    const reviews = ctx.state.reviews.filter((r) => sameRepository(r, repository) && r.pullNumber === pull.number);
    const { items, headers } = ctx.page(reviews);
    return json(200, items.map((r) => render.review(ctx.urls, repository, r)), headers);
  },

  'repos/list-pull-requests-associated-with-commit': (ctx) => {
    const repository = repositoryOf(ctx);
    const sha = ctx.params.commit_sha!;
    const pulls = ctx.state.issues.filter(
      (i) => i.pull && sameRepository(i, repository) && (i.pull.head.sha === sha || i.pull.mergeCommitSha === sha),
    );
    const { items, headers } = ctx.page(pulls);
    return json(200, items.map((p) => render.pullRequest(ctx.urls, repository, p, false, { comments: 0, reviewComments: 0 })), headers);
  },

  'issues/list-for-repo': (ctx) => {
    const repository = repositoryOf(ctx);
    const state = stringQuery(ctx, 'state') ?? 'open';
    const labels = stringQuery(ctx, 'labels')?.split(',').map((l) => l.trim().toLowerCase()).filter(Boolean) ?? [];
    const creator = stringQuery(ctx, 'creator')?.toLowerCase();
    // GitHub lists pull requests among issues; this server's plain issues and pull requests alike.
    let issues = ctx.state.issues.filter((i) => i.repository.toLowerCase() === repository.fullName.toLowerCase());
    if (state !== 'all') issues = issues.filter((i) => i.state === state);
    if (labels.length > 0) issues = issues.filter((i) => labels.every((l) => i.labels.some((x) => x.toLowerCase() === l)));
    if (creator) issues = issues.filter((i) => i.author.login.toLowerCase() === creator);
    const ascending = stringQuery(ctx, 'direction') === 'asc';
    issues = [...issues].sort((a, b) => (ascending ? a.number - b.number : b.number - a.number));
    const { items, headers } = ctx.page(issues);
    return json(200, items.map((i) => render.issue(ctx.urls, repository, i, commentCount(ctx, i))), headers);
  },

  'issues/create': (ctx) => {
    const repository = repositoryOf(ctx);
    const title = ctx.body?.title;
    if (typeof title !== 'string' || title === '') throw validationFailed('Issue', 'title', 'title is required');
    const body = typeof ctx.body?.body === 'string' ? ctx.body.body : null;
    if (body !== null && body.length > MAX_COMMENT_LENGTH) throw validationFailed('Issue', 'body', `body is too long (maximum is ${MAX_COMMENT_LENGTH} characters)`);
    const labels = Array.isArray(ctx.body?.labels) ? (ctx.body.labels as unknown[]).map(String) : [];
    // As on GitHub, labels that do not exist yet are created with the issue.
    for (const label of labels) ctx.state.createLabel(repository.fullName, label);
    const issue = ctx.state.addIssue(repository.fullName, { title, body, author: ctx.account.login, labels });
    issue.author = ctx.account;
    if (Array.isArray(ctx.body?.assignees)) issue.assignees = (ctx.body.assignees as unknown[]).map((login) => ctx.state.account(String(login)));
    return json(201, render.issue(ctx.urls, repository, issue, 0), { location: `${ctx.urls.api}/repos/${repository.fullName}/issues/${issue.number}` });
  },

  'issues/update': (ctx) => {
    const repository = repositoryOf(ctx);
    const issue = issueOf(ctx, repository);
    const fields = ctx.body ?? {};
    if (typeof fields.title === 'string') issue.title = fields.title;
    if (typeof fields.body === 'string') {
      if (fields.body.length > MAX_COMMENT_LENGTH) throw validationFailed('Issue', 'body', `body is too long (maximum is ${MAX_COMMENT_LENGTH} characters)`);
      issue.body = fields.body;
    }
    if (Array.isArray(fields.labels)) {
      issue.labels = (fields.labels as unknown[]).map(String);
      for (const label of issue.labels) ctx.state.createLabel(repository.fullName, label);
    }
    if (Array.isArray(fields.assignees)) issue.assignees = (fields.assignees as unknown[]).map((login) => ctx.state.account(String(login)));
    const now = ctx.state.timestamp();
    if (fields.state === 'closed' && issue.state !== 'closed') {
      issue.state = 'closed';
      issue.closedAt = now;
      issue.stateReason = typeof fields.state_reason === 'string' ? fields.state_reason : 'completed';
    } else if (fields.state === 'open' && issue.state !== 'open') {
      issue.state = 'open';
      issue.closedAt = null;
      issue.stateReason = 'reopened';
    }
    issue.updatedAt = now;
    return json(200, render.issue(ctx.urls, repository, issue, commentCount(ctx, issue)));
  },

  'issues/create-label': (ctx) => {
    const repository = repositoryOf(ctx);
    const name = requireString(ctx, 'name');
    if (!ctx.state.createLabel(repository.fullName, name)) {
      throw new ApiError(422, 'Validation Failed', { errors: [{ resource: 'Label', code: 'already_exists', field: 'name' }] });
    }
    const label = render.labelObject(ctx.urls, repository.fullName, name);
    if (typeof ctx.body?.color === 'string') label.color = ctx.body.color;
    if (typeof ctx.body?.description === 'string') label.description = ctx.body.description;
    return json(201, label, { location: String(label.url) });
  },

  'issues/get': (ctx) => {
    const repository = repositoryOf(ctx);
    const issue = issueOf(ctx, repository);
    return json(200, render.issue(ctx.urls, repository, issue, commentCount(ctx, issue)));
  },

  'issues/list-comments': (ctx) => {
    const repository = repositoryOf(ctx);
    const issue = issueOf(ctx, repository);
    const since = stringQuery(ctx, 'since');
    let comments = ctx.state.issueComments(repository.fullName, issue.number);
    if (since) comments = comments.filter((c) => c.updatedAt >= since);
    const { items, headers } = ctx.page(comments);
    return json(200, items.map((c) => render.issueComment(ctx.urls, repository, c, issue.pull !== undefined)), headers);
  },

  'issues/create-comment': (ctx) => {
    const repository = repositoryOf(ctx);
    const issue = issueOf(ctx, repository);
    const body = requireString(ctx, 'body');
    if (body.length > MAX_COMMENT_LENGTH) {
      throw validationFailed('IssueComment', 'body', `body is too long (maximum is ${MAX_COMMENT_LENGTH} characters)`);
    }
    const comment = ctx.state.addIssueComment(repository.fullName, issue.number, { author: ctx.account.login, authorType: ctx.account.type, body });
    return json(201, render.issueComment(ctx.urls, repository, comment, issue.pull !== undefined), { location: `${ctx.urls.api}/repos/${repository.fullName}/issues/comments/${comment.id}` });
  },

  'issues/update-comment': (ctx) => {
    const repository = repositoryOf(ctx);
    const id = numberParam(ctx, 'comment_id');
    const comment = ctx.state.comments.find((c) => c.id === id && sameRepository(c, repository));
    if (!comment) throw notFound();
    const body = requireString(ctx, 'body');
    if (body.length > MAX_COMMENT_LENGTH) {
      throw validationFailed('IssueComment', 'body', `body is too long (maximum is ${MAX_COMMENT_LENGTH} characters)`);
    }
    comment.body = body;
    comment.updatedAt = ctx.state.timestamp();
    const onPull = ctx.state.findIssue(repository.fullName, comment.issueNumber)?.pull !== undefined;
    return json(200, render.issueComment(ctx.urls, repository, comment, onPull));
  },

  'issues/delete-comment': (ctx) => {
    const repository = repositoryOf(ctx);
    const id = numberParam(ctx, 'comment_id');
    const index = ctx.state.comments.findIndex((c) => c.id === id && sameRepository(c, repository));
    if (index < 0) throw notFound();
    ctx.state.comments.splice(index, 1);
    return { status: 204 };
  },

  'issues/list-events': (ctx) => {
    const repository = repositoryOf(ctx);
    const issue = issueOf(ctx, repository);
    const events = ctx.state.issueEvents.filter((e) => sameRepository(e, repository) && e.issueNumber === issue.number);
    const { items, headers } = ctx.page(events);
    return json(200, items.map((e) => render.issueEvent(ctx.urls, repository, e)), headers);
  },

  'issues/list-labels-on-issue': (ctx) => {
    const repository = repositoryOf(ctx);
    const issue = issueOf(ctx, repository);
    const { items, headers } = ctx.page(issue.labels);
    return json(200, items.map((name) => render.label(ctx.urls, repository.fullName, name)), headers);
  },

  'teams/get-membership-for-user-in-org': (ctx) => {
    const { org, team_slug: team, username } = ctx.params;
    const membership = ctx.state.teamMemberships.find(
      (m) => m.org.toLowerCase() === org!.toLowerCase() && m.team.toLowerCase() === team!.toLowerCase() && m.login.toLowerCase() === username!.toLowerCase(),
    );
    if (!membership) throw notFound();
    return json(200, render.teamMembership(ctx.urls, membership));
  },

  'repos/create-commit-status': (ctx) => {
    const repository = repositoryOf(ctx);
    const state = requireString(ctx, 'state') as CommitState;
    const description = ctx.body?.description;
    if (typeof description === 'string' && description.length > MAX_STATUS_DESCRIPTION) {
      throw validationFailed('Status', 'description', `description is too long (maximum is ${MAX_STATUS_DESCRIPTION} characters)`);
    }
    const status = ctx.state.addStatus(repository.fullName, ctx.params.sha!, {
      state,
      context: typeof ctx.body?.context === 'string' ? ctx.body.context : 'default',
      description: typeof description === 'string' ? description : null,
      targetUrl: typeof ctx.body?.target_url === 'string' ? ctx.body.target_url : null,
      creator: ctx.account.login,
    });
    return json(201, render.status(ctx.urls, repository, status));
  },

  'repos/list-commit-statuses-for-ref': (ctx) => {
    const repository = repositoryOf(ctx);
    const sha = ctx.state.resolveRef(repository, ctx.params.ref!);
    const statuses = sha ? ctx.state.commitStatuses(repository.fullName, sha) : [];
    const { items, headers } = ctx.page(statuses);
    return json(200, items.map((s) => render.status(ctx.urls, repository, s)), headers);
  },

  'checks/list-for-ref': (ctx) => {
    const repository = repositoryOf(ctx);
    const sha = ctx.state.resolveRef(repository, ctx.params.ref!);
    if (!sha) throw new ApiError(422, `No commit found for SHA: ${ctx.params.ref}`);
    const name = stringQuery(ctx, 'check_name');
    const status = stringQuery(ctx, 'status');
    let runs = ctx.state.checkRuns.filter((r) => sameRepository(r, repository) && r.headSha === sha);
    if (name) runs = runs.filter((r) => r.name === name);
    if (status) runs = runs.filter((r) => r.status === status);
    if ((stringQuery(ctx, 'filter') ?? 'latest') === 'latest') {
      const latest = new Map<string, (typeof runs)[number]>();
      for (const run of runs) latest.set(run.name, run);
      runs = [...latest.values()];
    }
    runs = [...runs].reverse();
    const { items, headers } = ctx.page(runs);
    return json(200, { total_count: runs.length, check_runs: items.map((r) => render.checkRun(ctx.urls, repository, r)) }, headers);
  },

  'actions/list-workflow-runs-for-repo': (ctx) => {
    const repository = repositoryOf(ctx);
    let runs = ctx.state.workflowRuns.filter((r) => sameRepository(r, repository));
    const filters: [string, (run: (typeof runs)[number], value: string) => boolean][] = [
      ['branch', (r, v) => r.headBranch === v],
      ['event', (r, v) => r.event === v],
      ['head_sha', (r, v) => r.headSha === v],
      ['actor', (r, v) => r.actor.login === v],
      ['status', (r, v) => r.status === v || r.conclusion === v],
    ];
    for (const [name, keep] of filters) {
      const value = stringQuery(ctx, name);
      if (value !== undefined) runs = runs.filter((r) => keep(r, value));
    }
    runs = [...runs].reverse();
    const { items, headers } = ctx.page(runs);
    return json(200, { total_count: runs.length, workflow_runs: items.map((r) => render.workflowRun(ctx.urls, repository, r, pullsOfRun(ctx, repository, r.pullRequests))) }, headers);
  },

  'actions/get-workflow-run': (ctx) => {
    const repository = repositoryOf(ctx);
    const id = numberParam(ctx, 'run_id');
    const run = ctx.state.workflowRuns.find((r) => r.id === id && sameRepository(r, repository));
    if (!run) throw notFound();
    return json(200, render.workflowRun(ctx.urls, repository, run, pullsOfRun(ctx, repository, run.pullRequests)));
  },

  'actions/list-workflow-run-artifacts': (ctx) => {
    const repository = repositoryOf(ctx);
    const id = numberParam(ctx, 'run_id');
    const run = ctx.state.workflowRuns.find((r) => r.id === id && sameRepository(r, repository));
    if (!run) throw notFound();
    const name = stringQuery(ctx, 'name');
    let artifacts = ctx.state.artifacts.filter((a) => a.runId === id);
    if (name !== undefined) artifacts = artifacts.filter((a) => a.name === name);
    const { items, headers } = ctx.page(artifacts);
    return json(200, { total_count: artifacts.length, artifacts: items.map((a) => render.artifact(ctx.urls, repository, a, run)) }, headers);
  },

  'actions/download-artifact': (ctx) => {
    const repository = repositoryOf(ctx);
    const id = numberParam(ctx, 'artifact_id');
    const artifact = ctx.state.artifacts.find((a) => a.id === id && sameRepository(a, repository));
    if (!artifact || ctx.params.archive_format !== 'zip') throw notFound();
    if (artifact.expired) throw new ApiError(410, 'Artifact has expired');
    return { status: 302, headers: { location: ctx.downloadUrl(artifact.zip, 'application/zip') } };
  },

  'actions/get-reviews-for-run': (ctx) => {
    const repository = repositoryOf(ctx);
    const id = numberParam(ctx, 'run_id');
    const run = ctx.state.workflowRuns.find((r) => r.id === id && sameRepository(r, repository));
    if (!run) throw notFound();
    const approvals = ctx.state.runApprovals.filter((a) => a.runId === id && sameRepository(a, repository));
    return json(200, approvals.map((a) => render.runApproval(ctx.urls, repository, a, run.createdAt)));
  },

  'repos/list-deployments': (ctx) => {
    const repository = repositoryOf(ctx);
    let deployments = ctx.state.deployments.filter((d) => sameRepository(d, repository));
    for (const name of ['sha', 'ref', 'task', 'environment'] as const) {
      const value = stringQuery(ctx, name);
      if (value !== undefined) deployments = deployments.filter((d) => d[name] === value);
    }
    deployments = [...deployments].reverse();
    const { items, headers } = ctx.page(deployments);
    return json(200, items.map((d) => render.deployment(ctx.urls, repository, d)), headers);
  },

  'repos/create-deployment': (ctx) => {
    const repository = repositoryOf(ctx);
    const body = ctx.body ?? {};
    const ref = requireString(ctx, 'ref');
    const sha = ctx.state.resolveRef(repository, ref);
    if (!sha) throw validationFailed('Deployment', 'ref', `No ref found for: ${ref}`);
    // Like GitHub: unless `required_contexts` says otherwise, every status context on the
    // commit must be `success`, or the deployment is refused with 409.
    const required = Array.isArray(body.required_contexts) ? (body.required_contexts as string[]) : undefined;
    const latest = new Map<string, CommitState>();
    for (const status of [...ctx.state.commitStatuses(repository.fullName, sha)].reverse()) latest.set(status.context, status.state);
    const contexts = required ?? [...latest.keys()];
    const failing = contexts.filter((c) => latest.get(c) !== 'success');
    if (failing.length > 0) {
      throw new ApiError(409, `Conflict: Commit status checks failed for ${ref}.`, {
        errors: failing.map((context) => ({ contexts: [{ context, state: latest.get(context) ?? 'missing' }] })),
      });
    }
    const environment = typeof body.environment === 'string' ? body.environment : 'production';
    const deployment = ctx.state.addDeployment(repository.fullName, {
      sha,
      ref,
      environment,
      task: typeof body.task === 'string' ? body.task : 'deploy',
      payload: (body.payload as Record<string, unknown> | string | undefined) ?? {},
      description: typeof body.description === 'string' ? body.description : null,
      creator: ctx.account.login,
      transientEnvironment: body.transient_environment === true,
      productionEnvironment: typeof body.production_environment === 'boolean' ? body.production_environment : environment === 'production',
    });
    return json(201, render.deployment(ctx.urls, repository, deployment));
  },

  'repos/get-deployment': (ctx) => {
    const repository = repositoryOf(ctx);
    const id = numberParam(ctx, 'deployment_id');
    const deployment = ctx.state.deployments.find((d) => d.id === id && sameRepository(d, repository));
    if (!deployment) throw notFound();
    return json(200, render.deployment(ctx.urls, repository, deployment));
  },

  'repos/list-deployment-statuses': (ctx) => {
    const repository = repositoryOf(ctx);
    const id = numberParam(ctx, 'deployment_id');
    const deployment = ctx.state.deployments.find((d) => d.id === id && sameRepository(d, repository));
    if (!deployment) throw notFound();
    const { items, headers } = ctx.page(ctx.state.deploymentStatusesOf(id));
    return json(200, items.map((s) => render.deploymentStatus(ctx.urls, repository, s)), headers);
  },

  'repos/create-deployment-status': (ctx) => {
    const repository = repositoryOf(ctx);
    const id = numberParam(ctx, 'deployment_id');
    const deployment = ctx.state.deployments.find((d) => d.id === id && sameRepository(d, repository));
    if (!deployment) throw notFound();
    const body = ctx.body ?? {};
    const description = typeof body.description === 'string' ? body.description : undefined;
    if (description !== undefined && description.length > MAX_STATUS_DESCRIPTION) {
      throw validationFailed('DeploymentStatus', 'description', `description is too long (maximum is ${MAX_STATUS_DESCRIPTION} characters)`);
    }
    const status = ctx.state.addDeploymentStatus(repository.fullName, id, {
      state: requireString(ctx, 'state') as DeploymentState,
      description,
      environment: typeof body.environment === 'string' ? body.environment : undefined,
      environmentUrl: typeof body.environment_url === 'string' ? body.environment_url : undefined,
      logUrl: typeof body.log_url === 'string' ? body.log_url : typeof body.target_url === 'string' ? body.target_url : undefined,
      creator: ctx.account.login,
      autoInactive: body.auto_inactive !== false,
    });
    return json(201, render.deploymentStatus(ctx.urls, repository, status));
  },

  'actions/list-environment-variables': (ctx) => {
    const repository = repositoryOf(ctx);
    const environment = environmentOf(ctx, repository);
    const { items, headers } = ctx.page(ctx.state.variablesOf(repository.fullName, environment));
    return json(200, { total_count: ctx.state.variablesOf(repository.fullName, environment).length, variables: items.map(render.environmentVariable) }, headers);
  },

  'actions/get-environment-variable': (ctx) => {
    const repository = repositoryOf(ctx);
    const environment = environmentOf(ctx, repository);
    const variable = ctx.state.variablesOf(repository.fullName, environment).find((v) => v.name === ctx.params.name!.toUpperCase());
    if (!variable) throw notFound();
    return json(200, render.environmentVariable(variable));
  },

  'actions/create-environment-variable': (ctx) => {
    const repository = repositoryOf(ctx);
    const environment = environmentOf(ctx, repository);
    const name = checkVariableName(requireString(ctx, 'name'));
    const value = requireString(ctx, 'value');
    if (ctx.state.variablesOf(repository.fullName, environment).some((v) => v.name === name)) throw new ApiError(409, 'Already exists - Variable already exists');
    ctx.state.setVariable(repository.fullName, environment, name, value);
    return json(201, {});
  },

  'actions/update-environment-variable': (ctx) => {
    const repository = repositoryOf(ctx);
    const environment = environmentOf(ctx, repository);
    const name = ctx.params.name!.toUpperCase();
    const variable = ctx.state.variablesOf(repository.fullName, environment).find((v) => v.name === name);
    if (!variable) throw notFound();
    const value = ctx.body?.value;
    if (typeof value === 'string') ctx.state.setVariable(repository.fullName, environment, name, value);
    return { status: 204 };
  },

  'repos/create-or-update-file-contents': (ctx) => {
    const repository = repositoryOf(ctx);
    const branch = typeof ctx.body?.branch === 'string' ? ctx.body.branch : repository.defaultBranch;
    const head = repository.refs.get(branch);
    if (!head) throw new ApiError(404, `Branch ${branch} not found`);
    const path = ctx.params.path!.replace(/^\/+|\/+$/g, '');
    const message = requireString(ctx, 'message');
    const content = requireString(ctx, 'content');
    const existing = repository.trees.get(head)?.get(path);
    const given = typeof ctx.body?.sha === 'string' ? ctx.body.sha : undefined;
    // GitHub's compare-and-swap: an update must name the blob it replaces.
    if (existing && given === undefined) throw validationFailed('Contents', 'sha', '"sha" wasn\'t supplied.');
    if (existing && given !== gitBlobSha(existing)) throw new ApiError(409, `${path} does not match ${given}`);
    if (!existing && given !== undefined) throw new ApiError(409, `${path} does not match ${given}`);
    const bytes = new Uint8Array(Buffer.from(content, 'base64'));
    const commitSha = ctx.state.commitFile(repository.fullName, branch, path, bytes, message);
    const blobSha = gitBlobSha(bytes);
    const url = `${ctx.urls.api}/repos/${repository.fullName}/contents/${path}?ref=${encodeURIComponent(branch)}`;
    const git = `${ctx.urls.api}/repos/${repository.fullName}/git/blobs/${blobSha}`;
    const html = `${ctx.urls.web}/${repository.fullName}/blob/${branch}/${path}`;
    const stamp = ctx.state.timestamp();
    const person = { name: ctx.account.login, email: `${ctx.account.id}+${ctx.account.login}@users.noreply.github.com`, date: stamp };
    return json(existing ? 200 : 201, {
      content: { name: path.split('/').pop(), path, sha: blobSha, size: bytes.byteLength, url, html_url: html, git_url: git, download_url: `${ctx.urls.web}/${repository.fullName}/raw/${branch}/${path}`, type: 'file', _links: { self: url, git, html } },
      commit: {
        sha: commitSha,
        url: `${ctx.urls.api}/repos/${repository.fullName}/git/commits/${commitSha}`,
        html_url: `${ctx.urls.web}/${repository.fullName}/commit/${commitSha}`,
        author: person,
        committer: person,
        message,
        tree: { sha: fakeTreeSha(commitSha), url: `${ctx.urls.api}/repos/${repository.fullName}/git/trees/${fakeTreeSha(commitSha)}` },
        parents: [{ sha: head, url: `${ctx.urls.api}/repos/${repository.fullName}/git/commits/${head}`, html_url: `${ctx.urls.web}/${repository.fullName}/commit/${head}` }],
        verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
      },
    });
  },

  'repos/get-release-by-tag': (ctx) => {
    const repository = repositoryOf(ctx);
    const release = ctx.state.releases.find((r) => sameRepository(r, repository) && r.tagName === ctx.params.tag);
    if (!release) throw notFound();
    return json(200, render.release(ctx.urls, repository, release));
  },

  'repos/create-release': (ctx) => {
    const repository = repositoryOf(ctx);
    const tag = requireString(ctx, 'tag_name');
    if (ctx.state.releases.some((r) => sameRepository(r, repository) && r.tagName === tag)) throw validationFailed('Release', 'tag_name', 'already_exists');
    const release = {
      repository: repository.fullName,
      id: ctx.state.id(),
      tagName: tag,
      targetCommitish: typeof ctx.body?.target_commitish === 'string' ? ctx.body.target_commitish : repository.defaultBranch,
      name: typeof ctx.body?.name === 'string' ? ctx.body.name : null,
      body: typeof ctx.body?.body === 'string' ? ctx.body.body : null,
      author: ctx.account,
      createdAt: ctx.state.timestamp(),
    };
    ctx.state.releases.push(release);
    return json(201, render.release(ctx.urls, repository, release));
  },
};

function environmentOf(ctx: HandlerContext, repository: RepositoryRecord): string {
  const name = ctx.params.environment_name!;
  if (!ctx.state.hasEnvironment(repository.fullName, name)) throw notFound();
  return name;
}

/** GitHub's rules for variable names: letters, digits and underscores, not starting with a digit or GITHUB_. */
function checkVariableName(name: string): string {
  const upper = name.toUpperCase();
  if (!/^[A-Z_][A-Z0-9_]*$/.test(upper) || upper.startsWith('GITHUB_')) throw validationFailed('Variable', 'name', `${name} is not a valid variable name`);
  return upper;
}

function fakeTreeSha(commitSha: string): string {
  return createHash('sha1').update(`tree:${commitSha}`).digest('hex');
}

function pullsOfRun(ctx: HandlerContext, repository: RepositoryRecord, numbers: number[]): IssueRecord[] {
  return numbers.map((n) => ctx.state.findIssue(repository.fullName, n)).filter((p): p is IssueRecord => p?.pull !== undefined);
}

/** The handler of an operation; every operation of the OpenAPI subset has one. */
export function handlerFor(operationId: string): Handler | undefined {
  return handlers[operationId];
}

export const handledOperations = Object.keys(handlers);
