import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Environment } from '../command.js';
import type { ContractConfig } from '../config/types.js';
import { ConfigurationError, isNodeError } from '../io/errors.js';
import { sha256 } from '../io/digest.js';
import { schemaProblems } from '../io/schema.js';
import { parseYaml } from '../io/yaml.js';
import type { ResultBody } from '../results/provenance.js';
import type { Finding, Verdict } from '../results/types.js';
import type { Contract } from './types.js';

export type Bump = 'major' | 'minor' | 'patch' | 'none';

export interface ContractCheckOptions {
  contractPath: string;
  /** Path, `git:<ref>`, or `none`. */
  production: string;
  checkId: string;
  config: ContractConfig;
  environment: Environment;
}

export interface ContractCheckOutcome {
  result: ResultBody;
  requiredBump: Bump;
  reindexRequired: boolean;
  contractDigest: string;
  productionDigest: string | null;
}

interface LoadedContract {
  file: string;
  text: string;
  contract?: Contract;
  findings: Finding[];
}

async function loadContract(file: string, text: string): Promise<LoadedContract> {
  let source;
  try {
    source = parseYaml(text, file);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      return { file, text, findings: error.problems.map((p) => ({ rule: 'yaml', severity: 'error', message: p.message, ...(p.location ? { location: p.location } : {}) })) };
    }
    throw error;
  }
  const problems = schemaProblems('contract', source.data, source);
  if (problems.length > 0) {
    return { file, text, findings: problems.map((p) => ({ rule: 'schema', severity: 'error', message: p.message, ...(p.location ? { location: p.location } : {}) })) };
  }
  return { file, text, contract: source.data as Contract, findings: [] };
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if (isNodeError(error, 'ENOENT')) throw new ConfigurationError(`${what} not found`, { file });
    throw error;
  }
}

/** Checks a candidate contract: schema validity first; compatibility with production next. */
export async function checkContract(options: ContractCheckOptions): Promise<ContractCheckOutcome> {
  const workspace = options.environment.context.workspace;
  const candidateFile = options.contractPath;
  const candidateText = await readText(resolve(workspace, candidateFile), 'contract file');
  const candidate = await loadContract(candidateFile, candidateText);
  const findings = [...candidate.findings];
  for (const finding of findings) options.environment.log.error(finding.message, finding.location);
  const verdict: Verdict = findings.some((f) => f.severity === 'error') ? 'fail' : 'pass';
  return {
    result: {
      id: options.checkId,
      kind: 'contract',
      subject: {
        model: candidate.contract?.name ?? 'unknown',
        candidateVersion: candidate.contract?.version ?? 'unknown',
        productionVersion: null,
        productionSource: options.production,
      },
      verdict,
      summary: verdict === 'pass' ? 'The contract is valid.' : `The contract has ${findings.length} problem(s).`,
      metrics: { 'findings.errors': findings.filter((f) => f.severity === 'error').length },
      checks: [],
      findings,
    },
    requiredBump: 'none',
    reindexRequired: false,
    contractDigest: sha256(candidateText),
    productionDigest: null,
  };
}
