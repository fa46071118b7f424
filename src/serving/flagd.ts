import { ConfigurationError } from '../io/errors.js';
import type { ServingState } from '../ledger/switch.js';

/**
 * The serving switch as an OpenFeature flag file in flagd's JSON format. One flag per model
 * (its key is the model name) whose variants are the versions kept warm, each variant's value
 * the version itself. `defaultVariant` is the version serving reads; a canary stage adds
 * `fractional` targeting that splits traffic by the evaluation's targeting key
 * (canary-10: `[["<canary>", 10], ["<current>", 90]]`). A rollback sets the default variant
 * back and drops the targeting; the versions stay variants, so nothing is redeployed.
 * Other flags and keys of the file are kept as they are.
 */

export const FLAGD_SCHEMA_URL = 'https://flagd.dev/schema/v0/flags.json';

interface FlagDocument {
  $schema?: string;
  flags: Record<string, unknown>;
  [key: string]: unknown;
}

interface ModelFlag {
  state: 'ENABLED' | 'DISABLED';
  variants: Record<string, unknown>;
  defaultVariant: string;
  targeting?: unknown;
  metadata?: Record<string, unknown>;
}

/** Parses a flag file's text; an empty or absent file is a document without flags. */
export function parseFlagDocument(text: string | null, file: string): FlagDocument {
  if (text === null || text.trim() === '') return { $schema: FLAGD_SCHEMA_URL, flags: {} };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(`${file} is not JSON (${error instanceof Error ? error.message : String(error)}); the serving switch will not overwrite it`, { file });
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new ConfigurationError(`${file} is not a flagd flag file: expected an object with "flags"`, { file });
  const doc = data as FlagDocument;
  if (doc.flags === undefined) doc.flags = {};
  if (doc.flags === null || typeof doc.flags !== 'object' || Array.isArray(doc.flags)) throw new ConfigurationError(`${file}: "flags" must be an object of flags`, { file });
  return doc;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * What a model's flag sends serving to, or null when the file has no flag for the model.
 * @throws ConfigurationError when the flag exists but is not one this suite wrote (other
 *   targeting, a default variant that is not a variant): the switch fails closed.
 */
export function readModelFlag(doc: FlagDocument, model: string, file: string): ServingState | null {
  const flag = doc.flags[model];
  if (flag === undefined) return null;
  const where = `${file}: flag '${model}'`;
  if (!isRecord(flag) || !isRecord(flag.variants) || typeof flag.defaultVariant !== 'string') throw new ConfigurationError(`${where} has no variants or defaultVariant`, { file });
  if (!(flag.defaultVariant in flag.variants)) throw new ConfigurationError(`${where}: defaultVariant '${flag.defaultVariant}' is not one of its variants`, { file });
  const record = isRecord(flag.metadata) && typeof flag.metadata.ledgerRecord === 'number' ? flag.metadata.ledgerRecord : null;
  const state: ServingState = { version: String(flag.variants[flag.defaultVariant]), canary: null, record };
  const targeting = flag.targeting;
  if (targeting === undefined || (isRecord(targeting) && Object.keys(targeting).length === 0)) return state;
  const split = isRecord(targeting) && Array.isArray(targeting.fractional) ? (targeting.fractional as unknown[]) : null;
  const buckets = split?.filter((b): b is [string, number] => Array.isArray(b) && b.length === 2 && typeof b[0] === 'string' && typeof b[1] === 'number');
  if (!split || !buckets || buckets.length !== split.length || buckets.length !== 2) {
    throw new ConfigurationError(`${where} has targeting that is not a two-way fractional split; the serving switch does not know what it sends where`, { file });
  }
  const canaryBucket = buckets.find(([variant]) => variant !== flag.defaultVariant);
  const baseBucket = buckets.find(([variant]) => variant === flag.defaultVariant);
  if (!canaryBucket || !baseBucket || !(canaryBucket[0] in flag.variants)) throw new ConfigurationError(`${where}: the fractional split must name the default variant and one other variant`, { file });
  const total = canaryBucket[1] + baseBucket[1];
  const percent = Math.round((100 * canaryBucket[1]) / total);
  if (percent > 0) state.canary = { version: String(flag.variants[canaryBucket[0]]), percent };
  return state;
}

/**
 * Sets a model's flag to `state`, keeping `warm` versions as variants. Returns the new file
 * text (2-space JSON with a final newline).
 */
export function writeModelFlag(doc: FlagDocument, model: string, environment: string, state: ServingState, warm: readonly string[]): string {
  const versions = new Set<string>(warm);
  if (state.version) versions.add(state.version);
  if (state.canary) versions.add(state.canary.version);
  const base = state.version ?? state.canary?.version;
  if (!base) throw new Error('a flag needs a version to serve');
  const flag: ModelFlag = {
    state: 'ENABLED',
    variants: Object.fromEntries([...versions].map((v) => [v, v])),
    defaultVariant: base,
    metadata: { managedBy: 'model-gates', environment, ...(state.record !== null ? { ledgerRecord: state.record } : {}) },
  };
  if (state.canary && state.canary.version !== base) {
    flag.targeting = { fractional: [[state.canary.version, state.canary.percent], [base, 100 - state.canary.percent]] };
  }
  const out: FlagDocument = { ...doc, $schema: doc.$schema ?? FLAGD_SCHEMA_URL, flags: { ...doc.flags, [model]: flag } };
  return `${JSON.stringify(out, null, 2)}\n`;
}

/** The flag file's path for an environment: `{environment}` in the template is replaced. */
export function flagFilePath(template: string, environment: string): string {
  return template.replaceAll('{environment}', environment);
}
