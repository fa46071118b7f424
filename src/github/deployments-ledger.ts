import { silentLogger, type Logger } from '../io/log.js';
import {
  currentOf,
  findConflict,
  isDeployedFull,
  LEDGER_RECORD_SCHEMA,
  LedgerConflictError,
  statusDescription,
  type Ledger,
  type LedgerEntry,
  type LedgerRecord,
  type LedgerStatus,
} from '../ledger/types.js';
import type { GitHubClient } from './client.js';
import { withApiError } from './errors.js';

/** The deployment `task` of every ledger record; other deployments are not ours. */
export const DEPLOYMENT_TASK = 'deploy:model';

const PERMISSION = 'deployments: write';

const READ_PERMISSION = 'deployments: read';

export interface DeploymentsLedgerOptions {
  owner: string;
  repo: string;
  log?: Logger;
  /** Link shown on statuses (the run URL). */
  logUrl?: string | null;
}

interface Deployment {
  id: number;
  payload: unknown;
  environment?: string;
}

function recordOf(payload: unknown): LedgerRecord | undefined {
  let data = payload;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      return undefined;
    }
  }
  if (data === null || typeof data !== 'object') return undefined;
  const record = data as Partial<LedgerRecord>;
  if (record.schema !== LEDGER_RECORD_SCHEMA || typeof record.model !== 'string' || typeof record.version !== 'string' || typeof record.stage !== 'string') return undefined;
  return record as LedgerRecord;
}

/** GitHub's statuses mapped onto the ledger's: `queued`/`pending` count as in progress, `error` as failure. */
function ledgerStatus(state: string | undefined): LedgerStatus {
  switch (state) {
    case 'success':
    case 'inactive':
    case 'failure':
      return state;
    case 'error':
      return 'failure';
    default:
      return 'in_progress';
  }
}

/**
 * The ledger as GitHub Deployments, the default in Actions: users see it in the repository's
 * Environments/Deployments pages. A record is one deployment: `task: deploy:model`,
 * `environment` the ledger environment, `ref` the commit, the record as its `payload`; its
 * status is the deployment's latest status. Needs `deployments: write`.
 *
 * Race protocol (compare-and-swap without a lock): create the deployment first (status
 * `in_progress`), then list the environment's deployments and apply `findConflict` to the
 * records with smaller ids. Ids grow with creation, so of several racing claims the oldest
 * sees no competitor and wins; every younger one sees it (in progress or done) and marks
 * itself `failure`. A run that dies before deciding leaves an `in_progress` record, which
 * blocks later promotions until a rollback clears it.
 */
export class GitHubDeploymentsLedger implements Ledger {
  readonly label: string;
  /** A deployment's payload: kept below the 65,535 characters GitHub allows its large text fields. */
  readonly maxRecordBytes = 60 * 1024;
  private readonly log: Logger;

  constructor(
    private readonly octokit: GitHubClient,
    private readonly options: DeploymentsLedgerOptions,
  ) {
    this.label = `github:${options.owner}/${options.repo}`;
    this.log = options.log ?? silentLogger;
  }

  /** Ledger entries of one model and environment, newest first, fetching each one's latest status lazily. */
  private async *scan(model: string, environment: string): AsyncGenerator<LedgerEntry> {
    const { owner, repo } = this.options;
    const pages = this.octokit.paginate.iterator(this.octokit.rest.repos.listDeployments, { owner, repo, environment, task: DEPLOYMENT_TASK, per_page: 100 });
    const iterator = pages[Symbol.asyncIterator]();
    for (;;) {
      const page = await withApiError({ action: `list the deployments of ${owner}/${repo} to ${environment}`, permission: READ_PERMISSION }, () => iterator.next());
      if (page.done) return;
      for (const deployment of page.value.data as Deployment[]) {
        const record = recordOf(deployment.payload);
        if (!record || record.model !== model || record.environment !== environment) continue;
        const { data: statuses } = await withApiError({ action: `read the statuses of deployment ${deployment.id}`, permission: READ_PERMISSION }, () =>
          this.octokit.rest.repos.listDeploymentStatuses({ owner, repo, deployment_id: deployment.id, per_page: 1 }),
        );
        const latest = statuses[0];
        yield { ...record, id: deployment.id, status: ledgerStatus(latest?.state), statusDescription: latest?.description ?? '' };
      }
    }
  }

  async history(model: string, environment: string, limit = Number.POSITIVE_INFINITY): Promise<LedgerEntry[]> {
    const entries: LedgerEntry[] = [];
    if (limit <= 0) return entries;
    for await (const entry of this.scan(model, environment)) {
      entries.push(entry);
      if (entries.length >= limit) break;
    }
    return entries;
  }

  async current(model: string, environment: string): Promise<LedgerEntry | null> {
    for await (const entry of this.scan(model, environment)) if (isDeployedFull(entry)) return entry;
    return null;
  }

  /**
   * Entries newer than the current deployment, then the current one: all `findConflict` reads.
   * With `below`, only entries with smaller ids count (a claim judges the ones before it).
   */
  private async recent(model: string, environment: string, below = Number.POSITIVE_INFINITY): Promise<LedgerEntry[]> {
    const entries: LedgerEntry[] = [];
    for await (const entry of this.scan(model, environment)) {
      if (entry.id >= below) continue;
      entries.push(entry);
      if (currentOf([entry])) break;
    }
    return entries;
  }

  async claim(record: LedgerRecord, expectedCurrent: string | null, ignore?: ReadonlySet<number>): Promise<LedgerEntry> {
    const { owner, repo } = this.options;
    // Refuse early, before anything shows in GitHub's UI, when production already moved on.
    const early = findConflict(await this.recent(record.model, record.environment), { version: record.version }, expectedCurrent, ignore);
    if (early) throw new LedgerConflictError(early);
    const commit = record.contract.commit;
    if (!commit) throw new Error('a GitHub deployment needs the commit (GITHUB_SHA) as its ref');
    const { data } = await withApiError({ action: `create a deployment of ${record.model} ${record.version} to ${record.environment}`, permission: PERMISSION }, () =>
      this.octokit.rest.repos.createDeployment({
        owner,
        repo,
        ref: commit,
        task: DEPLOYMENT_TASK,
        environment: record.environment,
        payload: record as unknown as Record<string, unknown>,
        description: statusDescription(`${record.operation} ${record.model} ${record.version} (${record.stage})`),
        auto_merge: false,
        required_contexts: [],
        production_environment: record.environment === 'production',
        transient_environment: false,
        // Not idempotent: a retry after a 5xx that GitHub did act on would claim twice. A
        // deployment created without an answer is left unfinished, and a rerun completes it.
        request: { retries: 0 },
      }),
    );
    const deployment = data as Deployment;
    if (typeof deployment.id !== 'number') throw new Error(`GitHub did not create the deployment: ${JSON.stringify(data).slice(0, 200)}`);
    await this.setStatus(deployment.id, 'in_progress', `${record.stage}: checking that production is still ${expectedCurrent ?? 'empty'}`);
    const conflict = findConflict(await this.recent(record.model, record.environment, deployment.id), { version: record.version, id: deployment.id }, expectedCurrent, ignore);
    if (conflict) {
      await this.setStatus(deployment.id, 'failure', `refused: ${conflict}`);
      throw new LedgerConflictError(`${conflict} (deployment ${deployment.id} marked failure)`);
    }
    return { ...record, id: deployment.id, status: 'in_progress', statusDescription: '' };
  }

  async setStatus(id: number, status: LedgerStatus, description: string): Promise<void> {
    const { owner, repo } = this.options;
    await withApiError({ action: `set the status of deployment ${id} to ${status}`, permission: PERMISSION }, () =>
      this.octokit.rest.repos.createDeploymentStatus({
        owner,
        repo,
        deployment_id: id,
        state: status,
        description: statusDescription(description),
        ...(this.options.logUrl ? { log_url: this.options.logUrl } : {}),
      }),
    );
    this.log.debug(`deployment ${id}: ${status}`);
  }
}
