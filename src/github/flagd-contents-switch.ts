import { silentLogger, type Logger } from '../io/log.js';
import { decodeUtf8 } from '../io/text.js';
import { describeServing, SwitchConflictError, type ServingState, type ServingSwitch } from '../ledger/switch.js';
import { flagFilePath, parseFlagDocument, readModelFlag, writeModelFlag } from '../serving/flagd.js';
import type { GitHubClient } from './client.js';
import { describeApiError, withApiError } from './errors.js';

const PERMISSION = 'contents: write';

export interface FlagdContentsSwitchOptions {
  owner: string;
  repo: string;
  /** Path template of the flag file; `{environment}` is replaced. */
  path: string;
  /** Branch the file is committed to; the repository's default branch when omitted. */
  branch?: string;
  /** How many times a write is retried after another writer changed the file in between (default 5). */
  attempts?: number;
  log?: Logger;
}

interface FileAt {
  text: string | null;
  /** The blob sha the next write must name; null when the file does not exist. */
  sha: string | null;
}

/**
 * The serving switch as a flagd flag file in a repository, committed through the contents
 * API. Each write is a compare-and-swap on the file's blob sha: read the file and its sha,
 * change the model's flag, write naming that sha. When another writer committed in between,
 * GitHub refuses (409, or 422 for a file created meanwhile) and the write starts again from
 * the new file, so no other change is lost; after `attempts` refusals it fails.
 */
export class FlagdContentsSwitch implements ServingSwitch {
  readonly label: string;
  private readonly log: Logger;

  constructor(
    private readonly octokit: GitHubClient,
    private readonly options: FlagdContentsSwitchOptions,
  ) {
    this.label = `flagd:${options.owner}/${options.repo}/${options.path}${options.branch ? `@${options.branch}` : ''}`;
    this.log = options.log ?? silentLogger;
  }

  private async fetch(path: string): Promise<FileAt> {
    const { owner, repo, branch } = this.options;
    let data: unknown;
    try {
      ({ data } = await this.octokit.rest.repos.getContent({ owner, repo, path, ...(branch ? { ref: branch } : {}) }));
    } catch (error) {
      if ((error as { status?: unknown }).status === 404) return { text: null, sha: null };
      throw describeApiError(error, { action: `read ${owner}/${repo}/${path}`, permission: 'contents: read' });
    }
    const file = data as { type?: string; content?: string; encoding?: string; sha?: string };
    if (Array.isArray(data) || file.type !== 'file' || typeof file.sha !== 'string') throw new Error(`${owner}/${repo}/${path} is not a file`);
    if (file.encoding !== 'base64' || typeof file.content !== 'string') throw new Error(`${owner}/${repo}/${path} is over 1 MiB: too large for a flag file`);
    return { text: decodeUtf8(Buffer.from(file.content, 'base64'), `${owner}/${repo}/${path}`), sha: file.sha };
  }

  async read(model: string, environment: string): Promise<ServingState | null> {
    const path = flagFilePath(this.options.path, environment);
    const file = await this.fetch(path);
    return readModelFlag(parseFlagDocument(file.text, path), model, path);
  }

  async write(model: string, environment: string, state: ServingState, warm: readonly string[]): Promise<void> {
    const { owner, repo, branch } = this.options;
    const path = flagFilePath(this.options.path, environment);
    const attempts = this.options.attempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      const file = await this.fetch(path);
      const doc = parseFlagDocument(file.text, path);
      const held = readModelFlag(doc, model, path);
      if (held?.record != null && state.record !== null && held.record > state.record) {
        throw new SwitchConflictError(`${path}: flag '${model}' was set by the newer ledger record #${held.record} (${describeServing(held)}); not overwritten by #${state.record}`);
      }
      const text = writeModelFlag(doc, model, environment, state, warm);
      if (text === file.text) return;
      const message = `${model} in ${environment}: ${describeServing(state)}${state.record !== null ? ` (ledger record #${state.record})` : ''}`;
      try {
        await this.octokit.rest.repos.createOrUpdateFileContents({
          owner,
          repo,
          path,
          message,
          content: Buffer.from(text, 'utf8').toString('base64'),
          ...(file.sha ? { sha: file.sha } : {}),
          ...(branch ? { branch } : {}),
        });
        this.log.debug(`${this.label}: ${message}`);
        return;
      } catch (error) {
        const status = (error as { status?: unknown }).status;
        if ((status === 409 || status === 422) && attempt < attempts) {
          this.log.info(`${owner}/${repo}/${path} changed while the switch was writing it (GitHub answered ${status}); reading it again (${attempt} of ${attempts - 1}).`);
          continue;
        }
        if (status === 409 || status === 422) {
          throw new Error(`${owner}/${repo}/${path} kept changing under the switch: ${attempts} writes refused (GitHub answered ${status}); nothing was written`, { cause: error });
        }
        return withApiError({ action: `commit ${owner}/${repo}/${path}`, permission: PERMISSION }, () => Promise.reject(error));
      }
    }
  }
}
