import { resolve } from 'node:path';
import { defineCommand, type Environment, type FolderCache } from '../command.js';
import { loadConfig } from '../config/load.js';
import type { EmbeddingsConfig } from '../config/types.js';
import type { Contract } from '../contract/types.js';
import { actionsCacheKeys, createCacheStore, createSource, DEFAULT_CACHE_MAX_AGE_DAYS, roleConfig, withCache, type LocalCacheStore } from '../embeddings/sources.js';
import type { EmbeddingSource } from '../embeddings/types.js';
import type { Logger } from '../io/log.js';
import { createProgress } from '../io/progress.js';
import { digestOf } from '../io/digest.js';
import { ConfigurationError } from '../io/errors.js';
import { assertSchema } from '../io/schema.js';
import { readYamlFile } from '../io/yaml.js';
import { createNeighbourSearch } from '../knn/index.js';
import { defaultLedger, openLedger, type LedgerServices } from '../ledger/open.js';
import type { LedgerEntry } from '../ledger/types.js';
import { recordResult } from '../results/record.js';
import { finalDetails, runRegression } from './engine.js';
import { resolveRegressionProduction } from './production.js';
import { parseShard } from './shard.js';
import { checkLines, renderRegressionSummary } from './summary.js';
import { loadSuite } from './suite.js';

/** Progress of a phase: periodic lines in CI logs, a redrawn bar on a terminal (the CLI's stderr). */
function progressReporters(environment: Environment): (phase: string) => { onProgress(done: number, total: number): void; finish(): void } {
  const terminal = environment.runner === 'cli' && process.stderr.isTTY ? { stream: process.stderr } : {};
  return (phase) => createProgress({ label: phase, line: (text) => environment.log.info(text), ...terminal });
}

/** Ctrl-C on the CLI aborts the run between steps; nothing is written, the result file is untouched. */
function interruptSignal(environment: Environment): { signal?: AbortSignal; dispose(): void } {
  if (environment.runner !== 'cli') return { dispose() {} };
  const controller = new AbortController();
  const onSigint = (): void => controller.abort(new ConfigurationError('interrupted (Ctrl-C): stopped cleanly, no result written'));
  process.once('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}

/**
 * The embeddings config with the deployed version's digest (else `model@version`) as the
 * production cache key, so that a new deployment behind the same endpoint is embedded afresh.
 */
function keyedByDeployment(embeddings: EmbeddingsConfig | undefined, deployed: LedgerEntry): EmbeddingsConfig {
  return { ...embeddings, production: { ...embeddings?.production, version: deployed.artifact.digest ?? `${deployed.model}@${deployed.version}` } };
}

async function restoreFromFolderCache(store: LocalCacheStore, folderCache: FolderCache, keys: { key: string; prefixes: string[] }, log: Logger): Promise<void> {
  const restored = await folderCache.restore(store.dir, keys.key, keys.prefixes);
  log.info(restored ? `embedding cache: restored ${restored} from the Actions cache` : 'embedding cache: nothing to restore from the Actions cache');
}

/** Saves the cache folder under `key`, without the models no run has used for `maxAgeDays` days. */
async function saveToFolderCache(store: LocalCacheStore, folderCache: FolderCache, key: string, maxAgeDays: number, log: Logger): Promise<void> {
  const dropped = await store.prune(maxAgeDays);
  if (dropped.length > 0) log.info(`embedding cache: dropped ${dropped.length} model(s) unused for over ${maxAgeDays} days: ${dropped.join(', ')}`);
  if (await folderCache.save(store.dir, key)) log.info(`embedding cache: saved ${store.stored} new vectors to the Actions cache as ${key}`);
}

/** Builds the embedding-regression command around the ledgers it can read production from. */
export function createEmbeddingRegressionCommand(services: LedgerServices) {
  return defineCommand({
    name: 'embedding-regression',
    description: 'Run an embedding regression suite: the candidate model against production, with statistical verdicts',
    inputs: {
      suite: { kind: 'string', required: true, description: 'Path of the suite file (YAML, schemas/suite.schema.json).' },
      production: {
        kind: 'string',
        required: true,
        description:
          'Production embeddings: file:<path> (.npy, .safetensors, .jsonl, .parquet), openai:<url> or command:<program>; or ledger for the version currently deployed (the latest successful full deployment in the ledger), embedded by production-source.',
      },
      'production-source': {
        kind: 'string',
        description:
          'With production: ledger, the source of the deployed version\'s embeddings, where {version}, {model}, {digest} and {uri} are filled from its ledger record (e.g. file:embeddings/{version}.npy). The record\'s digest (else model@version) keys the embedding cache unless embeddings.production.version is set.',
      },
      candidate: { kind: 'string', required: true, description: 'Candidate embeddings, in the same forms as production.' },
      contract: { kind: 'string', description: "Candidate contract file: its embedding dimension is checked and its name and version label the result." },
      shard: { kind: 'string', description: 'Run one shard of the work, i/n (e.g. 2/8); merge the partial results with `model-gates merge` or in report/gate.' },
      'results-dir': { kind: 'string', default: 'model-gates-results', description: 'Directory the result file is written to.' },
      'check-id': { kind: 'string', description: "Id of this check; the result is <results-dir>/<check-id>.json. Default: the suite's name." },
      config: { kind: 'string', description: 'Project config file. Defaults to model-gates.yml when it exists.' },
      ledger: {
        kind: 'string',
        description: 'With production: ledger, where the ledger lives: github (GitHub Deployments; needs deployments: read) or file:<path>. Default: github in Actions, file:.model-gates/ledger.jsonl on the CLI.',
      },
      environment: { kind: 'string', default: 'production', description: 'With production: ledger, the deployment environment whose current deployment is production.' },
      'github-token': { kind: 'string', actionDefault: '${{ github.token }}', description: 'Token for production: ledger with the github ledger (needs deployments: read).' },
      'actions-cache': {
        kind: 'boolean',
        default: true,
        description:
          'In Actions, restore the embedding cache folder from the Actions cache before embedding, and save it afterwards when vectors were added (keys model-gates-embeddings-v1-<check-id>-…). Needs no permission.',
      },
      seed: { kind: 'number', integer: true, min: 0, max: 4294967295, description: "Bootstrap seed for every check, overriding the suite's and the config's." },
    },
    outputs: {
      verdict: 'pass, marginal, fail or error.',
      'result-file': 'Path of the result JSON.',
      summary: 'One line per check: its id, verdict and the deciding change with its interval.',
    },
    async run(inputs, environment) {
      const startedAt = new Date();
      const workspace = environment.context.workspace;
      const { config } = await loadConfig(inputs.config, workspace);
      const shard = parseShard(inputs.shard);
      const suite = await loadSuite(resolve(workspace, inputs.suite));
      let contract: Contract | undefined;
      if (inputs.contract) {
        const doc = await readYamlFile(resolve(workspace, inputs.contract), 'contract file');
        contract = assertSchema<Contract>('contract', doc.data, doc);
      }
      const checkId = inputs.checkId ?? suite.definition.name;
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(checkId)) throw new ConfigurationError(`check-id '${checkId}' may only hold letters, digits, '.', '_' and '-'`);
      const model = contract?.name ?? suite.definition.name;
      const configuredVersion = roleConfig(config.embeddings, 'production').version;
      const productionModel = await resolveRegressionProduction({
        production: inputs.production,
        template: inputs.productionSource,
        configuredVersion,
        ledger: { open: () => openLedger(inputs.ledger ?? defaultLedger(environment.runner), { ...services, token: inputs.githubToken, environment }), model, environment: inputs.environment },
      });
      const deployed = productionModel.entry;
      if (deployed) environment.log.info(`production: ledger: ${model} ${deployed.version} (#${deployed.id}) is current in ${inputs.environment}; its embeddings: ${productionModel.spec}`);
      const embeddings = deployed && configuredVersion === undefined ? keyedByDeployment(config.embeddings, deployed) : config.embeddings;
      const sourceContext = { workspace, config: embeddings, env: environment.env, setSecret: environment.setSecret, log: environment.log };
      const store = createCacheStore(workspace, config.embeddings);
      const cached = (source: EmbeddingSource): EmbeddingSource => (store ? withCache(source, store) : source);
      const production = cached(await createSource(productionModel.spec, { ...sourceContext, role: 'production' }));
      const candidate = cached(await createSource(inputs.candidate, { ...sourceContext, role: 'candidate' }));
      const folderCache = store && inputs.actionsCache ? environment.folderCache : undefined;
      const cacheKeys = actionsCacheKeys(checkId, shard, { id: environment.env.GITHUB_RUN_ID || String(startedAt.getTime()), attempt: environment.env.GITHUB_RUN_ATTEMPT || '1' });
      if (store && folderCache) await restoreFromFolderCache(store, folderCache, cacheKeys, environment.log);
      const search = await createNeighbourSearch();
      const interrupt = interruptSignal(environment);
      let outcome: Awaited<ReturnType<typeof runRegression>>;
      try {
        outcome = await runRegression({
          suite,
          production,
          candidate,
          contractDimension: contract?.embedding?.dimension ?? null,
          config: config.regression ?? {},
          ...(inputs.seed !== undefined ? { seed: inputs.seed } : {}),
          ...(shard ? { shard } : {}),
          search,
          log: environment.log,
          ...(interrupt.signal ? { signal: interrupt.signal } : {}),
          progress: progressReporters(environment),
        });
      } catch (error) {
        // Whatever a step threw while being cancelled, the user's Ctrl-C is the reason to report.
        throw interrupt.signal?.aborted ? interrupt.signal.reason : error;
      } finally {
        interrupt.dispose();
        await search.close();
        // Whatever happened, vectors already paid for are kept for the next run.
        if (store && folderCache && store.stored > 0) await saveToFolderCache(store, folderCache, cacheKeys.key, config.embeddings?.cacheMaxAgeDays ?? DEFAULT_CACHE_MAX_AGE_DAYS, environment.log);
      }
      const { details, assembled } = outcome;
      const shardNote = shard ? ` (partial: shard ${shard.index} of ${shard.count}; merge all shards for the verdict)` : '';
      const body = {
        id: checkId,
        kind: 'embedding-regression' as const,
        subject: {
          model,
          candidateVersion: (contract?.version ?? candidate.description).slice(0, 128),
          productionVersion: productionModel.version?.slice(0, 128) ?? null,
          productionSource: (deployed ? `${productionModel.label} (${production.description})` : production.description).slice(0, 512),
        },
        verdict: assembled.verdict,
        summary: `${assembled.summary}${shardNote}`,
        metrics: assembled.metrics,
        checks: assembled.checks,
        findings: assembled.findings,
        details: shard ? (details as unknown as Record<string, unknown>) : finalDetails(details),
        ...(shard ? { shard } : {}),
      };
      // Shards of one run share the run key; the merged result carries it, as the unsharded run does.
      const inputsDigest = shard ? digestOf({ runKey: details.runKey, shard }) : details.runKey;
      const { result, file, failure } = await recordResult(body, { context: environment.context, resultsDir: inputs.resultsDir, digest: { digest: inputsDigest }, startedAt });
      return {
        outputs: { verdict: result.verdict, 'result-file': file, summary: checkLines(result) },
        summary: renderRegressionSummary(result),
        // A shard's verdict is partial: only the merged result may fail the workflow.
        ...(!shard && failure ? { failure } : {}),
      };
    },
  });
}
