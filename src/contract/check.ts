import { resolve } from 'node:path';
import type { Environment } from '../command.js';
import type { ContractConfig, EndpointConfig } from '../config/types.js';
import { ConfigurationError, formatLocation, isNodeError, type SourceLocation } from '../io/errors.js';
import { sha256 } from '../io/digest.js';
import { schemaProblems } from '../io/schema.js';
import { parseYaml, type SourceDocument } from '../io/yaml.js';
import type { Ledger } from '../ledger/types.js';
import type { ResultBody } from '../results/provenance.js';
import type { CheckSection, Finding, Row, Verdict } from '../results/types.js';
import { diffContracts, requiredBumpOf } from './compatibility.js';
import { checkExamples, runEndpointTests } from './contract-tests.js';
import { resolveProduction, type ContentsReader } from './production.js';
import type { Change, ChangeKind } from './schema-diff.js';
import { bumpBetween, bumpCovers, compareSemVer, parseSemVer, type Bump } from './semver.js';
import type { Contract } from './types.js';
import { readTextFile } from '../io/text.js';

export type { Bump } from './semver.js';

export interface ContractCheckOptions {
  contractPath: string;
  /** Path, `git:<ref>`, `git:base`, `none` or `ledger`. */
  production: string;
  checkId: string;
  config: ContractConfig;
  environment: Environment;
  /** The parsed config file, to point request failures at `contract.endpoint`. */
  configSource?: SourceDocument;
  /** Local git reader; defaults to git in the workspace. */
  git?: ContentsReader;
  /** GitHub's contents API, for base commits a shallow clone lacks. */
  contentsApi?: ContentsReader;
  /** For `production: ledger`: the ledger and environment; the model is the candidate's name. */
  ledger?: { open(): Promise<Ledger>; environment: string };
}

/** One classified change as written to the result's details. */
export interface ReportedChange {
  kind: ChangeKind;
  /** Dotted path in the contract, e.g. `io.input.properties.text.maxLength`. */
  path: string;
  message: string;
  location?: SourceLocation;
}

export interface ContractCheckOutcome {
  result: ResultBody;
  requiredBump: Bump;
  reindexRequired: boolean;
  contractDigest: string;
  productionDigest: string | null;
}

interface LoadedContract {
  contract?: Contract;
  source?: SourceDocument;
  findings: Finding[];
}

function located(location: SourceLocation | undefined): { location?: SourceLocation } {
  return location ? { location } : {};
}

/** Parses and validates a contract; every YAML and schema problem becomes a finding. */
function loadContract(file: string, text: string, rulePrefix = ''): LoadedContract {
  let source: SourceDocument;
  try {
    source = parseYaml(text, file);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      return { findings: error.problems.map((p) => ({ rule: `${rulePrefix}yaml`, severity: 'error', message: p.message, ...located(p.location) })) };
    }
    throw error;
  }
  const problems = schemaProblems('contract', source.data, source);
  if (problems.length > 0) {
    return { source, findings: problems.map((p) => ({ rule: `${rulePrefix}schema`, severity: 'error', message: p.message, ...located(p.location) })) };
  }
  return { source, contract: source.data as Contract, findings: [] };
}

async function readText(file: string, label: string, what: string): Promise<string> {
  try {
    return await readTextFile(file, label);
  } catch (error) {
    if (isNodeError(error, 'ENOENT')) throw new ConfigurationError(`${what} '${label}' not found`, { file: label });
    if (isNodeError(error, 'EISDIR')) throw new ConfigurationError(`${what} '${label}' is a directory, expected a file`, { file: label });
    throw error;
  }
}

const KIND_BUMP: Record<ChangeKind, Bump> = { breaking: 'major', 'index-breaking': 'major', additive: 'minor', metadata: 'patch' };
const KIND_WORDS: Record<ChangeKind, string> = { breaking: 'breaking change', 'index-breaking': 'index-breaking change', additive: 'additive change', metadata: 'metadata change' };

interface Compatibility {
  findings: Finding[];
  changes: ReportedChange[];
  requiredBump: Bump;
  reindexRequired: boolean;
  rows: Row[];
}

/**
 * Classifies every change between production and candidate and judges the version: a
 * version that does not increase fails (unless nothing changed at all), and each change
 * whose kind needs a larger bump than the one made is an error at its line.
 */
function checkCompatibility(production: Contract, productionSource: SourceDocument, candidate: Contract, candidateSource: SourceDocument): Compatibility {
  const diff = diffContracts(production, candidate);
  const requiredBump = requiredBumpOf(diff.changes);
  const findings: Finding[] = [];
  const changes: ReportedChange[] = diff.changes.map((change: Change) => {
    let message = change.message;
    if (change.removed) message += ` (it was at ${formatLocation(productionSource.locate(change.path))} in production)`;
    return { kind: change.kind, path: change.path.map(String).join('.'), message, location: candidateSource.locate(change.path) };
  });
  const from = parseSemVer(production.version);
  const to = parseSemVer(candidate.version);
  // The contract schema only admits semantic versions; a parse failure is a bug.
  if (!from || !to) throw new Error(`internal error: '${production.version}' or '${candidate.version}' is not a semantic version`);
  const actualBump = bumpBetween(from, to);
  const versionLocation = candidateSource.locate(['version']);
  const order = compareSemVer(to, from);
  const increases = order > 0;
  if (order < 0) {
    findings.push({
      rule: 'version/increase',
      severity: 'error',
      message: `version ${candidate.version} is lower than production ${production.version}; a new version must increase${changes.length > 0 ? ` (the changes need at least a ${requiredBump} bump)` : ''}`,
      location: versionLocation,
    });
  } else if (!increases && changes.length > 0) {
    findings.push({
      rule: 'version/increase',
      severity: 'error',
      message: `version ${candidate.version} does not increase on production ${production.version}, but the contract changed (${changes.length} change(s)); it needs at least a ${requiredBump} bump`,
      location: versionLocation,
    });
  } else if (!increases) {
    findings.push({ rule: 'version/unchanged', severity: 'notice', message: `the contract is unchanged from production (${production.version})`, location: versionLocation });
  } else {
    for (const change of changes) {
      const needed = KIND_BUMP[change.kind];
      if (bumpCovers(actualBump, needed)) continue;
      findings.push({
        rule: `compatibility/${change.kind}`,
        severity: 'error',
        message: `${KIND_WORDS[change.kind]} needs a ${needed} version bump, but ${production.version} → ${candidate.version} is a ${actualBump} bump: ${change.message}`,
        ...located(change.location),
      });
    }
  }
  const spaceLocation = candidateSource.locate(['embedding', 'space']);
  if (diff.sameSpaceId !== undefined) {
    findings.push({
      rule: 'space/same-id',
      severity: 'error',
      message: `the embedding space changed (${diff.sameSpaceId}) but the space id is still '${candidate.embedding?.space}': declare a new space id so that vectors of the two versions never share an index`,
      location: spaceLocation,
    });
  }
  if (diff.reindexRequired) {
    findings.push({
      rule: 'space/reindex',
      severity: 'warning',
      message: `re-index required: vectors of ${candidate.version} (space '${candidate.embedding?.space}') must not be mixed with vectors of ${production.version} (space '${production.embedding?.space}'); rebuild every index before switching traffic`,
      location: spaceLocation,
    });
  }
  const count = (kind: ChangeKind): number => changes.filter((c) => c.kind === kind).length;
  const versionOk = !findings.some((f) => f.rule === 'version/increase' || f.rule?.startsWith('compatibility/'));
  const rows: Row[] = [
    { metric: 'version', note: `${production.version} → ${candidate.version} (${increases ? `${actualBump} bump` : 'not increased'})`, verdict: versionOk ? 'pass' : 'fail' },
    { metric: 'required bump', note: requiredBump },
    { metric: 'breaking changes', candidate: count('breaking') },
    { metric: 'index-breaking changes', candidate: count('index-breaking') },
    { metric: 'additive changes', candidate: count('additive') },
    { metric: 'metadata changes', candidate: count('metadata') },
  ];
  if (production.embedding || candidate.embedding) {
    rows.push({
      metric: 'embedding space',
      note: clipText(`${production.embedding?.space ?? 'none'} → ${candidate.embedding?.space ?? 'none'}${diff.reindexRequired ? ' (re-index required)' : ''}`, 1000),
      verdict: diff.sameSpaceId !== undefined ? 'fail' : 'pass',
    });
  }
  return { findings, changes, requiredBump, reindexRequired: diff.reindexRequired, rows };
}

/** Lineage fields the config requires; an empty string, list or object counts as missing. */
function checkLineage(contract: Contract, source: SourceDocument, required: readonly string[]): Finding[] {
  const findings: Finding[] = [];
  const lineage = (contract.lineage ?? {}) as Record<string, unknown>;
  for (const field of required) {
    const value = lineage[field];
    const empty = value === undefined || value === null || value === '' || (typeof value === 'object' && Object.keys(value).length === 0);
    if (empty) {
      findings.push({
        rule: 'lineage/required',
        severity: 'error',
        message: `lineage.${field} is required by the project config (contract.lineage.required) and is ${value === undefined ? 'missing' : 'empty'}`,
        location: source.locate(['lineage', field]),
      });
    }
  }
  return findings;
}

/**
 * Contract tests against the configured endpoint: reads the API key from the variable
 * `apiKeyEnv` names (registering it, and any password in the URL, as a secret), then runs
 * {@link runEndpointTests} in a log group. A named but unset variable is an error finding.
 */
async function checkEndpoint(
  endpoint: EndpointConfig,
  contract: Contract,
  source: SourceDocument,
  options: ContractCheckOptions,
): Promise<{ findings: Finding[]; metrics: Record<string, number | null>; check?: CheckSection }> {
  const { environment } = options;
  const configLocation = options.configSource?.locate(['contract', 'endpoint']);
  const password = URL.canParse(endpoint.url) ? new URL(endpoint.url).password : '';
  if (password) environment.setSecret(decodeURIComponent(password));
  const apiKey = endpoint.apiKeyEnv ? environment.env[endpoint.apiKeyEnv] || undefined : undefined;
  if (apiKey) environment.setSecret(apiKey);
  if (endpoint.apiKeyEnv && !apiKey) {
    const message = `the environment variable ${endpoint.apiKeyEnv} (contract.endpoint.apiKeyEnv) is not set or empty`;
    return { findings: [{ rule: 'endpoint/api-key', severity: 'error', message, ...located(configLocation) }], metrics: {} };
  }
  const tested = await environment.log.group('Contract tests against the candidate endpoint', () =>
    runEndpointTests({ contract, source, endpoint, ...(apiKey ? { apiKey } : {}), ...(configLocation ? { configLocation } : {}), info: (m) => environment.log.info(m) }),
  );
  return {
    findings: tested.findings,
    metrics: tested.metrics,
    check: { id: 'endpoint', title: 'Contract tests against the candidate endpoint', verdict: sectionVerdict(tested.findings), rows: tested.rows },
  };
}

function sectionVerdict(findings: readonly Finding[]): Verdict {
  return findings.some((f) => f.severity === 'error') ? 'fail' : 'pass';
}

/**
 * Checks a candidate contract: schema validity; compatibility with production (version
 * bump, classified changes, embedding space); example inputs against the input schema;
 * the lineage policy; and, with `config.endpoint`, contract tests against the candidate's
 * embeddings endpoint. Every error finding is also logged as an error at its location.
 *
 * @throws ConfigurationError when the candidate file or the production contract cannot be
 *   found, or the production input cannot be resolved.
 */
export async function checkContract(options: ContractCheckOptions): Promise<ContractCheckOutcome> {
  const { environment } = options;
  const workspace = environment.context.workspace;
  const candidateFile = options.contractPath;
  const candidateText = await readText(resolve(workspace, candidateFile), candidateFile, 'contract file');
  const candidate = loadContract(candidateFile, candidateText);
  const findings: Finding[] = [...candidate.findings];
  const checks: CheckSection[] = [];
  const metrics: Record<string, number | null> = {};
  let changes: ReportedChange[] = [];
  let requiredBump: Bump = 'none';
  let reindexRequired = false;
  let productionVersion: string | null = null;
  let productionDigest: string | null = null;
  let productionSource = options.production;
  // The owners whose approval a marginal verdict can need (gate's `marginal.from: owners`):
  // production's, so that a pull request cannot name its own approvers; the candidate's
  // only for a first release.
  let owners: string[] | undefined;

  if (candidate.contract && candidate.source) {
    const contract = candidate.contract;
    const source = candidate.source;
    const production = await resolveProduction({
      production: options.production,
      candidatePath: candidateFile,
      context: environment.context,
      ...(options.git ? { git: options.git } : {}),
      ...(options.contentsApi ? { contentsApi: options.contentsApi } : {}),
      ...(options.ledger ? { ledger: { ...options.ledger, model: contract.name } } : {}),
    });
    if (production.kind === 'none') {
      owners = contract.owners;
      findings.push({ rule: 'production/none', severity: 'notice', message: `${production.reason}; the version ${contract.version} is checked on its own` });
    } else {
      productionSource = production.source;
      productionDigest = sha256(production.text);
      const loaded = loadContract(production.file, production.text, 'production/');
      for (const finding of loaded.findings) finding.message = `production contract: ${finding.message}`;
      findings.push(...loaded.findings);
      if (loaded.contract && loaded.source) {
        productionVersion = loaded.contract.version;
        owners = loaded.contract.owners;
        const compatibility = checkCompatibility(loaded.contract, loaded.source, contract, source);
        findings.push(...compatibility.findings);
        changes = compatibility.changes;
        requiredBump = compatibility.requiredBump;
        reindexRequired = compatibility.reindexRequired;
        checks.push({
          id: 'compatibility',
          title: 'Compatibility with production',
          verdict: sectionVerdict(compatibility.findings),
          summary: `${changes.length} change(s); required bump: ${requiredBump}${reindexRequired ? '; re-index required' : ''}.`,
          rows: compatibility.rows,
        });
      }
    }
    for (const kind of ['breaking', 'index-breaking', 'additive', 'metadata'] as const) {
      metrics[`contract.${kind === 'index-breaking' ? 'indexBreaking' : kind}`] = changes.filter((c) => c.kind === kind).length;
    }
    metrics['contract.reindexRequired'] = reindexRequired ? 1 : 0;

    const exampleFindings = checkExamples(contract, source);
    findings.push(...exampleFindings);
    const examples = contract.examples?.length ?? 0;
    checks.push({
      id: 'examples',
      title: 'Example inputs',
      verdict: sectionVerdict(exampleFindings),
      rows: [{ metric: 'examples', candidate: examples, note: exampleFindings.length === 0 ? 'all match io.input' : `${exampleFindings.length} problem(s)` }],
    });
    metrics['contract.examples'] = examples;

    const required = options.config.lineage?.required ?? [];
    const lineageFindings = checkLineage(contract, source, required);
    findings.push(...lineageFindings);
    if (required.length > 0) {
      checks.push({
        id: 'lineage',
        title: 'Lineage policy',
        verdict: sectionVerdict(lineageFindings),
        rows: [{ metric: 'required fields present', candidate: required.length - lineageFindings.length, note: `of ${required.length}: ${required.join(', ')}` }],
      });
    }

    if (options.config.endpoint) {
      const tested = await checkEndpoint(options.config.endpoint, contract, source, options);
      findings.push(...tested.findings);
      Object.assign(metrics, tested.metrics);
      if (tested.check) checks.push(tested.check);
    }
  }

  for (const finding of findings) {
    if (finding.severity === 'error') environment.log.error(finding.message, finding.location);
    else if (finding.severity === 'warning') environment.log.warning(finding.message, finding.location);
    else environment.log.info(finding.location ? `${formatLocation(finding.location)}: ${finding.message}` : finding.message);
  }
  const errors = findings.filter((f) => f.severity === 'error').length;
  metrics['findings.errors'] = errors;
  const verdict: Verdict = errors > 0 ? 'fail' : 'pass';
  const name = candidate.contract?.name ?? 'unknown';
  const summary =
    verdict === 'fail'
      ? `The contract has ${errors} problem(s) to fix.`
      : productionVersion === null
        ? 'The contract is valid (no production version to compare with).'
        : `The contract is valid and compatible: ${changes.length} change(s), required bump ${requiredBump}${reindexRequired ? ', re-index required' : ''}.`;
  return {
    result: {
      id: options.checkId,
      kind: 'contract',
      subject: {
        model: name,
        candidateVersion: clipText(candidate.contract?.version ?? 'unknown', 128),
        productionVersion: productionVersion === null ? null : clipText(productionVersion, 128),
        productionSource: clipText(productionSource, 512),
      },
      verdict,
      summary,
      metrics,
      checks,
      findings: findings.map(clip),
      details: {
        changes: changes.map(({ kind, path, message }) => ({ kind, path, message })),
        requiredBump,
        reindexRequired,
        ...(owners ? { owners } : {}),
      },
    },
    requiredBump,
    reindexRequired,
    contractDigest: sha256(candidateText),
    productionDigest,
  };
}

function clipText(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** Keeps a finding within the result schema's limits (untrusted text can be long). */
function clip(finding: Finding): Finding {
  const message = clipText(finding.message, 4000);
  const location = finding.location && finding.location.file.length > 1024 ? { ...finding.location, file: clipText(finding.location.file, 1024) } : finding.location;
  return { ...finding, message, ...(location ? { location } : {}) };
}
