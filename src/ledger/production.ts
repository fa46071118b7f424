import { ConfigurationError } from '../io/errors.js';
import type { Ledger, LedgerEntry } from './types.js';

/**
 * Reads a file of the repository at a commit; null when the file is absent there. The
 * contract action passes its readers (local git, then the contents API).
 */
export type ReadAtCommit = (commit: string, path: string) => Promise<string | null>;

/** The production contract as the ledger knows it. */
export type LedgerProduction =
  | { kind: 'none'; reason: string }
  | {
      kind: 'file';
      /** The contract's text at the recorded commit. */
      text: string;
      /** `<path>@<commit, 12 characters>`, for messages. */
      file: string;
      /** `ledger:<environment>#<id>`: the result's `productionSource`. */
      source: string;
      /** The ledger record it came from. */
      entry: LedgerEntry;
    };

/**
 * Resolves `production: ledger`: the contract of the current deployment (the latest
 * successful `full` deployment of `model` to `environment`), read at the commit the record
 * keeps. No deployment yet is a first release (`none`).
 *
 * @throws ConfigurationError when the current record has no contract path or commit (it was
 *   promoted without the `contract` input), or the file is absent at that commit.
 */
export async function resolveLedgerProduction(ledger: Ledger, model: string, environment: string, readAt: ReadAtCommit): Promise<LedgerProduction> {
  const current = await ledger.current(model, environment);
  if (!current) return { kind: 'none', reason: `the ledger (${ledger.label}) has no successful full deployment of ${model} to ${environment}: checked as a first release` };
  const { path, commit } = current.contract;
  if (!path || !commit) {
    throw new ConfigurationError(
      `production: ledger found ${model} ${current.version} (#${current.id}) in ${environment}, but the record has no contract ${!path ? 'path' : 'commit'} (promote it with the contract input); pass production as git:<ref> or a path instead`,
    );
  }
  const text = await readAt(commit, path);
  if (text === null) throw new ConfigurationError(`production: ledger names ${path} at ${commit} (#${current.id}, ${current.version}), and that file does not exist there`);
  return { kind: 'file', text, file: `${path}@${commit.slice(0, 12)}`, source: `ledger:${environment}#${current.id}`, entry: current };
}
