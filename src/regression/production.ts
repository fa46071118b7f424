import { ConfigurationError } from '../io/errors.js';
import type { Ledger, LedgerEntry } from '../ledger/types.js';

/** The placeholders a `production-source` template may hold, and where each value comes from. */
const PLACEHOLDERS: Record<string, (entry: LedgerEntry) => string | null> = {
  model: (entry) => entry.model,
  version: (entry) => entry.version,
  digest: (entry) => entry.artifact.digest,
  uri: (entry) => entry.artifact.uri,
};

/**
 * What a filled-in value may hold. Values come from the ledger, which anyone who can create
 * a deployment may write: no spaces or quotes (a `command:` source splits its line on them)
 * and no shell or control characters.
 */
const SAFE_VALUE = /^[\w.:/@+=%~?#,-]+$/;

/** The production embeddings a run compares against. */
export interface RegressionProduction {
  /** The embedding source spec (`file:…`, `openai:…`, `command:…`). */
  spec: string;
  /** The production model version, when known (the ledger's, else `embeddings.production.version`). */
  version: string | null;
  /** Where the spec came from, for the result's `productionSource`. */
  label: string;
  /** The ledger record it came from, when `production: ledger`. */
  entry?: LedgerEntry;
}

export interface ResolveRegressionProductionOptions {
  /** The `production` input: a source spec, or `ledger`. */
  production: string;
  /** The `production-source` input: a source spec template, needed with `ledger`. */
  template: string | undefined;
  /** `embeddings.production.version` (or the defaults'), when configured. */
  configuredVersion: string | undefined;
  /** For `ledger`: the ledger (opened on demand) and whose current deployment to look up. */
  ledger: { open(): Promise<Ledger>; model: string; environment: string };
}

/**
 * Fills `{model}`, `{version}`, `{digest}` and `{uri}` in a `production-source` template from
 * a ledger record.
 * @throws ConfigurationError for an unknown placeholder, a value the record lacks, or a
 *   value with characters a source spec must not get from the ledger.
 */
export function fillSourceTemplate(template: string, entry: LedgerEntry): string {
  return template.replace(/\{([^{}]*)\}/g, (_whole, name: string) => {
    const read = PLACEHOLDERS[name];
    if (!read) throw new ConfigurationError(`production-source: unknown placeholder {${name}}; use ${Object.keys(PLACEHOLDERS).map((p) => `{${p}}`).join(', ')}`);
    const value = read(entry);
    if (value === null || value === '') {
      throw new ConfigurationError(`production-source: {${name}} is empty in the ledger record #${entry.id} (${entry.model} ${entry.version}); promote with the model-uri and model-digest inputs, or use {version}`);
    }
    if (!SAFE_VALUE.test(value)) {
      throw new ConfigurationError(`production-source: {${name}} of ledger record #${entry.id} holds characters a source may not take from the ledger (spaces, quotes, shell characters): ${JSON.stringify(value.slice(0, 80))}`);
    }
    return value;
  });
}

/**
 * The production embeddings: the `production` input itself, or with `production: ledger`
 * the `production-source` template filled from the current deployment (the latest
 * successful full deployment of the model to the environment).
 * @throws ConfigurationError for `ledger` without a template, or with nothing deployed.
 */
export async function resolveRegressionProduction(options: ResolveRegressionProductionOptions): Promise<RegressionProduction> {
  const spec = options.production.trim();
  if (spec !== 'ledger') return { spec, version: options.configuredVersion ?? null, label: spec };
  const { model, environment } = options.ledger;
  if (!options.template) {
    throw new ConfigurationError(
      'production: ledger needs the production-source input: where the deployed version\'s embeddings come from, e.g. file:embeddings/{version}.npy or openai:https://embeddings.internal/v1',
    );
  }
  const ledger = await options.ledger.open();
  const entry = await ledger.current(model, environment);
  if (!entry) {
    throw new ConfigurationError(
      `production: ledger found no successful full deployment of ${model} to ${environment} in ${ledger.label}; a first release has no production embeddings to compare with (pass production as a source instead)`,
    );
  }
  return { spec: fillSourceTemplate(options.template, entry), version: entry.version, label: `ledger:${environment}#${entry.id}`, entry };
}
