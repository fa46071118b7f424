import { silentLogger, type Logger } from '../io/log.js';
import { describeServing, SwitchConflictError, type ServingState, type ServingSwitch } from '../ledger/switch.js';
import type { GitHubClient } from './client.js';
import { withApiError } from './errors.js';

/**
 * The permission these calls need. A workflow's GITHUB_TOKEN can never hold it: the token
 * must be a GitHub App installation token or a fine-grained personal token with the
 * repository's Environments permission (write), or a classic token with `repo`.
 */
const PERMISSION = 'Environments: write (a GitHub App or fine-grained token; a GITHUB_TOKEN cannot write environment variables)';
const READ_PERMISSION = 'Environments: read (a GitHub App or fine-grained token; a GITHUB_TOKEN cannot read or write environment variables through the API)';

export interface EnvironmentVariablesSwitchOptions {
  owner: string;
  repo: string;
  /** Prefix of the variable names (default `MODEL_`). */
  prefix?: string;
  log?: Logger;
}

/** The variable names of one model: `MODEL_SEARCH_EMBEDDER_VERSION` and its siblings. */
export function variableNames(model: string, prefix = 'MODEL_') {
  const base = `${prefix}${model.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
  return {
    version: `${base}_VERSION`,
    canaryVersion: `${base}_CANARY_VERSION`,
    canaryPercent: `${base}_CANARY_PERCENT`,
    record: `${base}_LEDGER_RECORD`,
  };
}

/** The ledger record id a `_LEDGER_RECORD` variable holds; null for none or anything else. */
function recordId(raw: string | null | undefined): number | null {
  return typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : null;
}

/**
 * The serving switch as variables of the target GitHub environment, which deploy workflows
 * read as `vars.MODEL_<NAME>_VERSION`, `vars.MODEL_<NAME>_CANARY_VERSION` and
 * `vars.MODEL_<NAME>_CANARY_PERCENT` (0 when there is no canary; the canary version is then
 * the version). `MODEL_<NAME>_LEDGER_RECORD` holds the ledger record that claims them: the
 * newest record wins (see `write`). GitHub has no transaction over several variables, so a
 * reader between the writes may see a mix; a job reads them all once when it starts.
 */
export class EnvironmentVariablesSwitch implements ServingSwitch {
  readonly label: string;
  private readonly log: Logger;

  constructor(
    private readonly octokit: GitHubClient,
    private readonly options: EnvironmentVariablesSwitchOptions,
  ) {
    this.label = `environment-variables:${options.owner}/${options.repo}`;
    this.log = options.log ?? silentLogger;
  }

  private async get(environment: string, name: string): Promise<string | null> {
    const { owner, repo } = this.options;
    try {
      const { data } = await this.octokit.rest.actions.getEnvironmentVariable({ owner, repo, environment_name: environment, name });
      return data.value;
    } catch (error) {
      if ((error as { status?: unknown }).status === 404) return null;
      return withApiError({ action: `read the variable ${name} of the ${environment} environment of ${owner}/${repo}`, permission: READ_PERMISSION }, () => Promise.reject(error));
    }
  }

  private async set(environment: string, name: string, value: string): Promise<void> {
    const { owner, repo } = this.options;
    const context = { action: `set the variable ${name} of the ${environment} environment of ${owner}/${repo}`, permission: PERMISSION };
    const update = () => this.octokit.rest.actions.updateEnvironmentVariable({ owner, repo, environment_name: environment, name, value });
    try {
      await update();
      return;
    } catch (error) {
      if ((error as { status?: unknown }).status !== 404) return withApiError(context, () => Promise.reject(error));
    }
    try {
      await this.octokit.rest.actions.createEnvironmentVariable({ owner, repo, environment_name: environment, name, value });
    } catch (error) {
      // Created by someone else in between: update it after all.
      if ((error as { status?: unknown }).status === 409) await withApiError(context, update);
      else await withApiError(context, () => Promise.reject(error));
    }
  }

  async read(model: string, environment: string): Promise<ServingState | null> {
    const names = variableNames(model, this.options.prefix);
    const [version, canaryVersion, canaryPercent, record] = await Promise.all([
      this.get(environment, names.version),
      this.get(environment, names.canaryVersion),
      this.get(environment, names.canaryPercent),
      this.get(environment, names.record),
    ]);
    if (version === null && canaryVersion === null) return null;
    const percent = canaryPercent === null ? 0 : Number(canaryPercent);
    if (!Number.isInteger(percent) || percent < 0 || percent > 100) {
      throw new Error(`the variable ${names.canaryPercent} of the ${environment} environment holds '${canaryPercent}', not a whole percent: serving's state cannot be read (a promotion or rollback sets it again)`);
    }
    const canary = canaryVersion !== null && percent > 0 && canaryVersion !== version ? { version: canaryVersion, percent } : null;
    return { version, canary, record: recordId(record) };
  }

  async write(model: string, environment: string, state: ServingState, _warm: readonly string[]): Promise<void> {
    const names = variableNames(model, this.options.prefix);
    const version = state.version ?? state.canary?.version;
    if (!version) throw new Error('the switch needs a version to serve');
    const canaryVersion = state.canary?.version ?? version;
    const percent = String(state.canary?.percent ?? 0);
    // Start a canary by naming it before giving it traffic; end one by taking its traffic first.
    const values: [string, string][] = state.canary
      ? [
          [names.version, version],
          [names.canaryVersion, canaryVersion],
          [names.canaryPercent, percent],
        ]
      : [
          [names.version, version],
          [names.canaryPercent, percent],
          [names.canaryVersion, canaryVersion],
        ];
    if (state.record === null) {
      for (const [name, value] of values) await this.set(environment, name, value);
      return;
    }
    const mine = state.record;
    const newer = (held: number) =>
      new SwitchConflictError(`the ${environment} environment's variables were set by the newer ledger record #${held}; not overwritten by #${mine}`);
    /** The record id the variables are claimed by now; claims them again when an older writer took them over. */
    const claim = async (): Promise<void> => {
      const held = recordId(await this.get(environment, names.record));
      if (held !== null && held > mine) throw newer(held);
      if (held !== mine) await this.set(environment, names.record, String(mine));
    };
    // GitHub has no compare-and-swap over variables. The protocol: the newest record wins.
    // A writer claims the record variable first, checks the claim before every value it
    // sets (an older writer stops as soon as a newer one claimed), and ends by reading
    // everything back and setting again what an older writer's last request changed.
    for (let round = 0; round < 3; round++) {
      await claim();
      for (const [name, value] of values) {
        await this.set(environment, name, value);
        await claim();
      }
      const [record, ...now] = await Promise.all([names.record, ...values.map(([name]) => name)].map((name: string) => this.get(environment, name)));
      const claimedBy = recordId(record);
      if (claimedBy === mine && values.every(([, value], i) => now[i] === value)) {
        this.log.debug(`${this.label} ${environment}: ${model} → ${describeServing(state)}`);
        return;
      }
      if (claimedBy !== null && claimedBy > mine) throw newer(claimedBy);
    }
    // Not a conflict: this record is still the newest; it stays in progress for a rerun to complete.
    throw new Error(`the ${environment} environment's variables kept changing while record #${mine} set them; rerun to complete it`);
  }
}
