import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { isNodeError } from '../io/errors.js';
import { acquireFileLock } from '../io/file-lock.js';
import { silentLogger, type Logger } from '../io/log.js';
import { readTextFile } from '../io/text.js';
import { describeServing, SwitchConflictError, type ServingState, type ServingSwitch } from '../ledger/switch.js';
import { flagFilePath, parseFlagDocument, readModelFlag, writeModelFlag } from './flagd.js';

export interface FileFlagSwitchOptions {
  log?: Logger;
  lockTimeoutMs?: number;
}

/**
 * The serving switch as a local flagd flag file (a path template with `{environment}`), for
 * the CLI, the demo and a flagd that reads a file on the same host. Writers hold a lock file
 * beside it and replace the file atomically, so flagd never reads half a file.
 */
export class FileFlagSwitch implements ServingSwitch {
  readonly label: string;
  private readonly log: Logger;

  constructor(
    private readonly template: string,
    private readonly options: FileFlagSwitchOptions = {},
  ) {
    this.label = `flagd-file:${template}`;
    this.log = options.log ?? silentLogger;
  }

  private async text(path: string): Promise<string | null> {
    try {
      return await readTextFile(path);
    } catch (error) {
      if (isNodeError(error, 'ENOENT')) return null;
      throw error;
    }
  }

  async read(model: string, environment: string): Promise<ServingState | null> {
    const path = flagFilePath(this.template, environment);
    return readModelFlag(parseFlagDocument(await this.text(path), path), model, path);
  }

  async write(model: string, environment: string, state: ServingState, warm: readonly string[]): Promise<void> {
    const path = flagFilePath(this.template, environment);
    await mkdir(dirname(path), { recursive: true });
    const release = await acquireFileLock(`${path}.lock`, { timeoutMs: this.options.lockTimeoutMs ?? 30_000, log: this.log, what: path });
    try {
      const doc = parseFlagDocument(await this.text(path), path);
      const held = readModelFlag(doc, model, path);
      if (held?.record != null && state.record !== null && held.record > state.record) {
        throw new SwitchConflictError(`${path}: flag '${model}' was set by the newer ledger record #${held.record} (${describeServing(held)}); not overwritten by #${state.record}`);
      }
      await writeFileAtomic(path, writeModelFlag(doc, model, environment, state, warm));
      this.log.debug(`${path}: ${model} → ${describeServing(state)}`);
    } finally {
      await release();
    }
  }
}
