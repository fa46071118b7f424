import { defineCommand, repositoryOf, type Environment, type RepositoryRef } from '../command.js';
import { loadConfig } from '../config/load.js';
import { defaultLedger, openLedger, type LedgerServices } from '../ledger/open.js';
import { recordResult } from '../results/record.js';
import { checkContract } from './check.js';
import type { ContentsReader } from './production.js';
import { renderContractSummary } from './summary.js';

/** What the contract check needs from outside the engine. */
export interface ContractServices extends LedgerServices {
  /** Reads files at a commit through the host's API, for commits a shallow clone lacks. */
  contentsApi?(token: string, repository: RepositoryRef, environment: Environment): ContentsReader;
}

/** Builds the contract command around its services. */
export function createContractCommand(services: ContractServices) {
  return defineCommand({
    name: 'contract',
    description: "Validate a model contract and its compatibility with the production version",
    inputs: {
      contract: { kind: 'string', required: true, description: 'Path of the candidate contract file (YAML).' },
      production: {
        kind: 'string',
        default: 'git:base',
        description:
          "The production contract: a path; git:<ref> to read the candidate's path at a commit (git:base is the pull request's base commit); ledger for the contract of the current deployment (latest successful full deployment) in the ledger; or none for a first release.",
      },
      ledger: {
        kind: 'string',
        description: 'With production: ledger, where the ledger lives: github (GitHub Deployments; needs deployments: read) or file:<path>. Default: github in Actions, file:.model-gates/ledger.jsonl on the CLI.',
      },
      environment: { kind: 'string', default: 'production', description: 'With production: ledger, the deployment environment whose current deployment is production.' },
      'results-dir': { kind: 'string', default: 'model-gates-results', description: 'Directory the result file is written to.' },
      'check-id': { kind: 'string', default: 'contract', description: 'Id of this check; the result is <results-dir>/<check-id>.json.' },
      config: { kind: 'string', description: 'Project config file. Defaults to model-gates.yml when it exists.' },
      'github-token': {
        kind: 'string',
        actionDefault: '${{ github.token }}',
        description: 'Token for the contents API, used when the production commit is not in the local clone (a shallow checkout; needs contents: read), and for production: ledger with the github ledger (needs deployments: read).',
      },
    },
    outputs: {
      verdict: 'pass, marginal, fail or error.',
      'required-bump': 'The smallest version bump the changes need: major, minor, patch or none.',
      'reindex-required': 'true when the embedding space changed and vectors must be re-indexed.',
      'result-file': 'Path of the result JSON.',
    },
    async run(inputs, environment) {
      const startedAt = new Date();
      const workspace = environment.context.workspace;
      const { config, source: configSource } = await loadConfig(inputs.config, workspace);
      const repository = repositoryOf(environment.context);
      const outcome = await checkContract({
        contractPath: inputs.contract,
        production: inputs.production,
        checkId: inputs.checkId,
        config: config.contract ?? {},
        environment,
        ...(configSource ? { configSource } : {}),
        ledger: { open: () => openLedger(inputs.ledger ?? defaultLedger(environment.runner), { ...services, token: inputs.githubToken, environment }), environment: inputs.environment },
        ...(inputs.githubToken && repository && services.contentsApi ? { contentsApi: services.contentsApi(inputs.githubToken, repository, environment) } : {}),
      });
      const { result, file, failure } = await recordResult(outcome.result, {
        context: environment.context,
        resultsDir: inputs.resultsDir,
        digest: { of: { inputs, config: config.contract ?? {}, contract: outcome.contractDigest, production: outcome.productionDigest } },
        startedAt,
      });
      return {
        outputs: {
          verdict: result.verdict,
          'required-bump': outcome.requiredBump,
          'reindex-required': String(outcome.reindexRequired),
          'result-file': file,
        },
        summary: renderContractSummary(result),
        ...(failure ? { failure } : {}),
      };
    },
  });
}
