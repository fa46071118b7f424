import { createHash } from 'node:crypto';
import type { RepositoryRef } from '../command.js';
import type { Alert, AlertOutcome, AlertPublisher, AlertPublisherOpener, AlertSubject } from '../monitor/types.js';
import { alertMarker } from '../monitor/render.js';
import { createGitHubClient } from './client.js';
import { describeApiError, withApiError } from './errors.js';
import { tokenIdentity } from './identity.js';
import { httpStatus, type RequestClient, type Repository } from './sticky-comment.js';

interface Issue {
  number: number;
  state: string;
  body?: string | null;
  html_url: string;
  user: { login: string } | null;
  pull_request?: unknown;
}

export interface IssueAlertsOptions {
  repository: Repository;
  /** Login whose issues are ours: the token's identity. Issues by anyone else are never touched. */
  author: string;
  /** Milliseconds between look-ups while another run is creating the issue (default 1000). */
  waitMs?: number;
  /** Look-ups while waiting for another run's issue before creating one anyway (default 10). */
  waits?: number;
  debug?: (message: string) => void;
}

const PERMISSION = 'issues: write';
const PER_PAGE = 100;

function hasNextPage(link: string | undefined): boolean {
  return link !== undefined && /<[^>]*>;\s*rel="next"/.test(link);
}

/** The creation lock of a model's alert issue: a repository label, which GitHub creates at most once per name. */
export function lockLabel(subject: AlertSubject): string {
  const hash = createHash('sha256').update(`${subject.model}\u0000${subject.environment}`).digest('hex').slice(0, 12);
  return `model-gates-monitor-${hash}`;
}

/**
 * The monitor's alert as one sticky GitHub issue per model and environment, found by the hidden
 * marker on its first line (written by our identity) with a paginated look-up of every issue.
 *
 * Creation is guarded so that concurrent runs leave one issue: the run that creates the
 * repository label `lockLabel(subject)` (GitHub refuses a second label of the same name)
 * creates the issue, carrying that label; the others wait for it to appear. A run that waited
 * in vain (the lock holder died) creates the issue itself, then keeps the lowest-numbered of
 * ours and closes its own copy as a duplicate.
 */
/** The alert issue of a repository, acting as the token's identity. */
export async function createIssueAlerts(client: RequestClient, repository: RepositoryRef, debug?: (message: string) => void): Promise<GitHubIssueAlerts> {
  const author = await withApiError({ action: 'find the identity of the token' }, () => tokenIdentity(client));
  return new GitHubIssueAlerts(client, { repository, author, ...(debug ? { debug } : {}) });
}

/** The monitor's `AlertPublisherOpener`: the alert issue through the API, with the suite's client. */
export const issueAlertsFor: AlertPublisherOpener = (token, repository, environment) =>
  createIssueAlerts(createGitHubClient({ token, log: environment.log }), repository, (message) => environment.log.debug(message));

export class GitHubIssueAlerts implements AlertPublisher {
  readonly label: string;

  constructor(
    private readonly client: RequestClient,
    private readonly options: IssueAlertsOptions,
  ) {
    this.label = `issues of ${options.repository.owner}/${options.repository.repo}`;
  }

  private get repo() {
    return this.options.repository;
  }

  /** Our issues for the subject, lowest number first: every page of the repository's issues, open and closed. */
  private async ours(subject: AlertSubject): Promise<Issue[]> {
    const marker = alertMarker(subject.model, subject.environment);
    const login = this.options.author.toLowerCase();
    const found: Issue[] = [];
    for (let page = 1; ; page++) {
      const response = await withApiError({ action: 'list the issues to find the alert issue', permission: 'issues: read' }, () =>
        this.client.request('GET /repos/{owner}/{repo}/issues', { ...this.repo, state: 'all', sort: 'created', direction: 'asc', per_page: PER_PAGE, page }),
      );
      const issues = response.data as Issue[];
      for (const issue of issues) {
        if (!issue.pull_request && issue.user?.login.toLowerCase() === login && (issue.body ?? '').startsWith(marker)) found.push(issue);
      }
      if (!hasNextPage(response.headers.link) || issues.length === 0) break;
    }
    return found.sort((a, b) => a.number - b.number);
  }

  private async comment(number: number, body: string): Promise<void> {
    await withApiError({ action: `comment on the alert issue #${number}`, permission: PERMISSION }, () =>
      // Not retried after a 5xx: GitHub may have posted it, and an incident has one comment.
      this.client.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...this.repo, issue_number: number, body, request: { retries: 0 } }),
    );
  }

  private async update(number: number, fields: { body?: string; state?: 'open' | 'closed'; state_reason?: 'completed' | 'not_planned' | 'duplicate' | 'reopened'; labels?: string[]; assignees?: string[]; title?: string }): Promise<Issue> {
    const response = await withApiError({ action: `update the alert issue #${number}`, permission: PERMISSION }, () =>
      this.client.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', { ...this.repo, issue_number: number, ...fields }),
    );
    return response.data as Issue;
  }

  /** Takes the creation lock; false when another run holds it (the label exists). */
  private async lock(subject: AlertSubject): Promise<boolean> {
    try {
      await this.client.request('POST /repos/{owner}/{repo}/labels', {
        ...this.repo,
        name: lockLabel(subject),
        color: 'b60205',
        description: `model-gates monitor alerts of ${subject.model} in ${subject.environment}`.slice(0, 100),
      });
      return true;
    } catch (error) {
      if (httpStatus(error) === 422) return false;
      throw describeApiError(error, { action: 'create the alert issue\'s label', permission: PERMISSION });
    }
  }

  private async create(alert: Alert): Promise<Issue> {
    const response = await withApiError({ action: 'create the alert issue', permission: PERMISSION }, () =>
      this.client.request('POST /repos/{owner}/{repo}/issues', {
        ...this.repo,
        title: alert.title,
        body: alert.body,
        labels: [lockLabel(alert), ...alert.labels],
        ...(alert.assignees.length > 0 ? { assignees: [...alert.assignees] } : {}),
      }),
    );
    return response.data as Issue;
  }

  /** Finds the issue, or creates it under the lock; returns it and whether this run created it. */
  private async findOrCreate(alert: Alert): Promise<{ issue: Issue; created: boolean }> {
    const existing = (await this.ours(alert))[0];
    if (existing) return { issue: existing, created: false };
    if (!(await this.lock(alert))) {
      const waits = this.options.waits ?? 10;
      for (let i = 0; i < waits; i++) {
        await new Promise((r) => setTimeout(r, this.options.waitMs ?? 1000));
        const found = (await this.ours(alert))[0];
        if (found) return { issue: found, created: false };
      }
      this.options.debug?.(`no alert issue appeared after ${waits} look-ups although its label exists; creating it`);
    }
    const mine = await this.create(alert);
    const all = await this.ours(alert);
    const keeper = all[0] ?? mine;
    if (keeper.number === mine.number) return { issue: mine, created: true };
    // Another run's issue is older: ours is a duplicate and is closed pointing at it.
    await this.update(mine.number, { state: 'closed', state_reason: 'duplicate', body: `Duplicate of #${keeper.number}.`, title: `${alert.title} (duplicate of #${keeper.number})` });
    return { issue: keeper, created: false };
  }

  async raise(alert: Alert): Promise<AlertOutcome> {
    const { issue, created } = await this.findOrCreate(alert);
    if (created) {
      await this.comment(issue.number, alert.incidentComment);
      return { action: 'created', number: issue.number, url: issue.html_url };
    }
    if (issue.state === 'closed') {
      // A new incident after a recovery: reopen, with its one comment.
      const reopened = await this.update(issue.number, { state: 'open', state_reason: 'reopened', body: alert.body, labels: [lockLabel(alert), ...alert.labels], ...(alert.assignees.length > 0 ? { assignees: [...alert.assignees] } : {}) });
      await this.comment(issue.number, alert.incidentComment);
      return { action: 'reopened', number: issue.number, url: reopened.html_url };
    }
    if (issue.body === alert.body) return { action: 'unchanged', number: issue.number, url: issue.html_url };
    const updated = await this.update(issue.number, { body: alert.body });
    return { action: 'updated', number: issue.number, url: updated.html_url };
  }

  async refresh(subject: AlertSubject, body: string): Promise<AlertOutcome> {
    const open = (await this.ours(subject)).find((i) => i.state === 'open');
    if (!open) return { action: 'none', number: null, url: null };
    if (open.body === body) return { action: 'unchanged', number: open.number, url: open.html_url };
    const updated = await this.update(open.number, { body });
    return { action: 'updated', number: open.number, url: updated.html_url };
  }

  async resolve(subject: AlertSubject, comment: string): Promise<AlertOutcome> {
    const open = (await this.ours(subject)).find((i) => i.state === 'open');
    if (!open) return { action: 'none', number: null, url: null };
    await this.comment(open.number, comment);
    const closed = await this.update(open.number, { state: 'closed', state_reason: 'completed' });
    return { action: 'closed', number: open.number, url: closed.html_url };
  }
}
