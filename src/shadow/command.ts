import { resolve } from 'node:path';
import { defineCommand, type Environment } from '../command.js';
import { loadConfig } from '../config/load.js';
import type { Contract } from '../contract/types.js';
import { createCacheStore, createSource, openAiOptions, withCache } from '../embeddings/sources.js';
import { ConfigurationError } from '../io/errors.js';
import { createProgress } from '../io/progress.js';
import { assertSchema } from '../io/schema.js';
import { readYamlFile } from '../io/yaml.js';
import { createNeighbourSearch } from '../knn/index.js';
import type { EmbeddingSource, TextItem } from '../embeddings/types.js';
import type { Matrix } from '../knn/types.js';
import { renderSummary } from '../report/render.js';
import { recordResult } from '../results/record.js';
import { TOOL_VERSION } from '../version.js';
import type { ReferenceCorpus } from './answers.js';
import { answerRules } from './contract-check.js';
import { analyseShadow, ReferenceMismatch, SHADOW_DEFAULTS, type ShadowSettings } from './judge.js';
import { readLogs, readObjects, readRequests } from './records.js';
import { OpenAiShadowEndpoint, REPLAY_DEFAULTS, replay } from './replay.js';
import type { LoadFigures, ShadowRecord } from './types.js';

const D = SHADOW_DEFAULTS;

export const shadowCommand = defineCommand({
  name: 'shadow',
  description: "Compare the candidate with production on real traffic (replayed requests or mirrored logs): answers, contract, latency and errors",
  inputs: {
    mode: { kind: 'enum', values: ['replay', 'logs'] as const, required: true, description: 'replay: send the requests of a captured sample to both endpoints. logs: read both answers from mirrored-traffic logs; nothing is called.' },
    model: { kind: 'string', required: true, description: 'Name of the model.' },
    version: { kind: 'string', required: true, description: "Version of the candidate; in logs mode, the value of the candidate's records' version field." },
    'production-version': { kind: 'string', description: "Version of production; in logs mode (required there), the value of production's records' version field." },
    requests: { kind: 'string', description: 'replay: the request sample, JSONL or Parquet with id, input, optional segment and timestamp.' },
    production: { kind: 'string', description: 'replay: the production endpoint, openai:<base-url> (settings from embeddings.production of the config).' },
    candidate: { kind: 'string', description: 'replay: the candidate endpoint, openai:<base-url> (settings from embeddings.candidate of the config).' },
    'max-rps': { kind: 'number', min: 0.01, default: REPLAY_DEFAULTS.maxRps, description: 'replay: most requests per second sent to each endpoint, retries included. The measured peak is in the result.' },
    logs: { kind: 'string', description: 'logs: log files (JSONL or Parquet), one per line: id, version, status, latency_ms, embedding or output, optional input and segment.' },
    answers: { kind: 'enum', values: ['embeddings', 'json'] as const, default: 'embeddings', description: 'What the model answers: embeddings (compared in the reference corpus) or json (compared on the output field).' },
    reference: { kind: 'string', description: 'embeddings: the reference corpus, the documents of the index (JSONL with id and text).' },
    'reference-production': { kind: 'string', description: 'embeddings: the reference corpus embedded by production: file:, openai: or command: (as embedding-regression; cached). Not limited by max-rps: point it at files or a copy of the model, not at production.' },
    'reference-candidate': { kind: 'string', description: 'embeddings: the reference corpus embedded by the candidate: file:, openai: or command:.' },
    k: { kind: 'number', integer: true, min: 1, max: 1000, default: D.k, description: 'Neighbours per request in the reference corpus.' },
    'min-overlap': { kind: 'number', min: 0, max: 1, default: D.minOverlap, description: 'Least acceptable mean overlap@k, overall and in every segment (fail when the interval lies wholly below).' },
    field: { kind: 'string', description: 'json: the output field compared (dotted path, e.g. label or scores.spam).' },
    'min-agreement': { kind: 'number', min: 0, max: 1, description: 'json: least acceptable share of requests on which both models give the same value of a label field.' },
    'max-difference': { kind: 'number', min: 0, description: 'json: largest acceptable mean |difference| of a numeric field.' },
    contract: { kind: 'string', description: "The candidate's contract: every candidate answer is checked against its embedding dimension and io.output schema." },
    'latency-tolerance': { kind: 'number', min: 0, default: D.latencyTolerance, description: "Tolerated latency increase, as a fraction of production's median (0.1 = 10%)." },
    'error-tolerance': { kind: 'number', min: 0, max: 1, default: D.errorTolerance, description: 'Tolerated increase of the error rate and of the timeout rate, absolute (0.01 = one percentage point).' },
    'min-requests': { kind: 'number', integer: true, min: 1, default: D.minRequests, description: 'Fewest requests answered by both sides that can be judged; fewer is an error.' },
    confidence: { kind: 'number', min: 0.5, max: 0.9999, default: D.confidence, description: 'Confidence of the intervals; 1 − confidence bounds the chance that a candidate no different from production fails.' },
    resamples: { kind: 'number', integer: true, min: 100, default: D.resamples, description: 'Bootstrap resamples of each interval.' },
    seed: { kind: 'number', integer: true, min: 0, max: 4294967295, default: D.seed, description: 'Bootstrap and sampling seed.' },
    'min-segment-size': { kind: 'number', integer: true, min: 1, default: D.minSegmentSize, description: 'Segments with fewer compared requests are reported, never gating.' },
    'results-dir': { kind: 'string', default: 'model-gates-results', description: 'Directory the result file is written to.' },
    'check-id': { kind: 'string', default: 'shadow', description: 'Id of this check; the result is <results-dir>/<check-id>.json.' },
    config: { kind: 'string', description: 'Project config file (embeddings.production / .candidate settings of the endpoints). Defaults to model-gates.yml when it exists.' },
  },
  outputs: {
    verdict: 'pass, marginal, fail or error.',
    'result-file': 'Path of the result JSON.',
    compared: 'Requests answered by both sides and compared.',
    'peak-rps': 'replay: the highest request rate measured against production (requests in any one second).',
  },
  async run(inputs, environment) {
    const startedAt = new Date();
    const workspace = environment.context.workspace;
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(inputs.checkId)) throw new ConfigurationError(`check-id '${inputs.checkId}' may only hold letters, digits, '.', '_' and '-'`);
    const { config } = await loadConfig(inputs.config, workspace);
    const settings: ShadowSettings = {
      confidence: inputs.confidence,
      resamples: inputs.resamples,
      seed: inputs.seed,
      minSegmentSize: inputs.minSegmentSize,
      worstItems: D.worstItems,
      k: inputs.k,
      anchors: D.anchors,
      minOverlap: inputs.minOverlap,
      latencyTolerance: inputs.latencyTolerance,
      errorTolerance: inputs.errorTolerance,
      minRequests: inputs.minRequests,
      minProductionAnswered: D.minProductionAnswered,
      field: inputs.field ?? null,
      minAgreement: inputs.minAgreement ?? null,
      maxDifference: inputs.maxDifference ?? null,
    };
    if (inputs.answers === 'json' && !inputs.field) throw new ConfigurationError("answers: json needs input 'field': the output field to compare");
    if (inputs.answers === 'json' && inputs.minAgreement === undefined && inputs.maxDifference === undefined) {
      throw new ConfigurationError("answers: json needs input 'min-agreement' (a label field) or 'max-difference' (a numeric field): without a threshold the answers could never fail");
    }
    if (inputs.answers === 'embeddings' && (inputs.field || inputs.minAgreement !== undefined || inputs.maxDifference !== undefined)) {
      throw new ConfigurationError("inputs 'field', 'min-agreement' and 'max-difference' are for answers: json");
    }
    let contract: Contract | undefined;
    let rules = answerRules(undefined);
    if (inputs.contract) {
      const doc = await readYamlFile(resolve(workspace, inputs.contract), 'contract file');
      contract = assertSchema<Contract>('contract', doc.data, doc);
      rules = answerRules(contract, { file: inputs.contract });
    }

    const reference = inputs.answers === 'embeddings' ? await loadReference(inputs, environment, config.embeddings) : null;
    let records: ShadowRecord[];
    let load: { production: LoadFigures; candidate: LoadFigures } | null = null;
    let sources: { production: string; candidate: string };
    const interrupt = interruptSignal(environment);
    try {
      if (inputs.mode === 'replay') {
        for (const name of ['requests', 'production', 'candidate'] as const) if (!inputs[name]) throw new ConfigurationError(`mode: replay needs input '${name}'`);
        if (inputs.logs) throw new ConfigurationError("input 'logs' is for mode: logs");
        const requests = await readRequests(resolve(workspace, inputs.requests as string), inputs.requests as string);
        const endpoint = (role: 'production' | 'candidate', spec: string): OpenAiShadowEndpoint => {
          const match = /^openai:(.+)$/is.exec(spec.trim());
          if (!match) throw new ConfigurationError(`input '${role}': replay sends requests to an endpoint, openai:<base-url>; got ${JSON.stringify(spec)}`);
          return new OpenAiShadowEndpoint(openAiOptions((match[1] as string).trim(), { role, config: config.embeddings, env: environment.env, setSecret: environment.setSecret }));
        };
        const sides = { production: endpoint('production', inputs.production as string), candidate: endpoint('candidate', inputs.candidate as string) };
        sources = { production: sides.production.description, candidate: sides.candidate.description };
        environment.log.info(`shadow replay: ${requests.length} request(s) to each side at most ${inputs.maxRps}/s, ${sides.production.concurrency} (production) and ${sides.candidate.concurrency} (candidate) in flight`);
        const progress = createProgress({ label: 'shadow replay', line: (text) => environment.log.info(text), ...(environment.runner === 'cli' && process.stderr.isTTY ? { stream: process.stderr } : {}) });
        const outcome = await replay(requests, sides, { maxRps: inputs.maxRps, log: environment.log, ...(interrupt.signal ? { signal: interrupt.signal } : {}), onProgress: (done, total) => progress.onProgress(done, total) });
        progress.finish();
        records = outcome.records;
        load = outcome.load;
        environment.log.info(`sent ${load.production.sent} request(s) to production (peak ${load.production.peakRps}/s) and ${load.candidate.sent} to the candidate (peak ${load.candidate.peakRps}/s)`);
      } else {
        for (const name of ['requests', 'production', 'candidate'] as const) if (inputs[name]) throw new ConfigurationError(`input '${name}' is for mode: replay; mode: logs reads both answers from the logs`);
        if (!inputs.logs) throw new ConfigurationError("mode: logs needs input 'logs': the mirrored-traffic log files");
        if (!inputs.productionVersion) throw new ConfigurationError("mode: logs needs input 'production-version': the version field of production's records");
        const files = inputs.logs.split(/\r?\n/).map((f) => f.trim()).filter(Boolean).map((f) => ({ path: resolve(workspace, f), displayName: f }));
        records = await readLogs(files, { production: inputs.productionVersion, candidate: inputs.version });
        sources = { production: `logs (version ${inputs.productionVersion})`, candidate: `logs (version ${inputs.version})` };
        environment.log.info(`shadow logs: ${records.length} request(s) answered by both versions in ${files.length} file(s)`);
      }
    } catch (error) {
      throw interrupt.signal?.aborted ? interrupt.signal.reason : error;
    } finally {
      interrupt.dispose();
    }

    const search = await createNeighbourSearch();
    let analysis;
    try {
      analysis = await analyseShadow(records, { answers: inputs.answers, rules: { production: answerRules(undefined), candidate: rules }, reference, settings, search });
    } catch (error) {
      if (error instanceof ReferenceMismatch) throw new ConfigurationError(error.message, { file: inputs[error.side === 'production' ? 'referenceProduction' : 'referenceCandidate'] ?? inputs.reference ?? 'reference' });
      throw error;
    } finally {
      await search.close();
    }
    const metrics = { ...analysis.metrics };
    if (load) {
      metrics['shadow.peak_rps.production'] = load.production.peakRps;
      metrics['shadow.peak_rps.candidate'] = load.candidate.peakRps;
      metrics['shadow.max_rps'] = inputs.maxRps;
    }
    const body = {
      id: inputs.checkId,
      kind: 'shadow' as const,
      subject: {
        model: inputs.model.slice(0, 256),
        candidateVersion: inputs.version.slice(0, 128),
        productionVersion: inputs.productionVersion?.slice(0, 128) ?? null,
        productionSource: sources.production.slice(0, 512),
      },
      verdict: analysis.verdict,
      summary: `Shadow ${inputs.mode} ${analysis.verdict}: ${analysis.reason}.`.slice(0, 2000),
      metrics,
      checks: analysis.sections,
      findings: analysis.findings,
      details: { mode: inputs.mode, sources, ...(load ? { load } : {}), ...analysis.details },
    };
    const { result, file, failure } = await recordResult(body, { context: environment.context, resultsDir: inputs.resultsDir, digest: { of: { inputs, settings } }, startedAt });
    const summary = renderSummary([result], {
      header: 'shadow',
      serverUrl: environment.env.GITHUB_SERVER_URL || 'https://github.com',
      repository: environment.context.repository,
      commit: environment.context.commit,
      runUrl: environment.context.runUrl,
      artifact: null,
      toolVersion: TOOL_VERSION,
    }).markdown;
    return {
      outputs: { verdict: result.verdict, 'result-file': file, compared: String(metrics['shadow.compared'] ?? 0), 'peak-rps': load ? String(load.production.peakRps) : '' },
      summary,
      ...(failure ? { failure } : {}),
    };
  },
});

/** Ctrl-C on the CLI stops the replay; nothing is written. */
function interruptSignal(environment: Environment): { signal?: AbortSignal; dispose(): void } {
  if (environment.runner !== 'cli') return { dispose() {} };
  const controller = new AbortController();
  const onSigint = (): void => controller.abort(new ConfigurationError('interrupted (Ctrl-C): stopped cleanly, no result written'));
  process.once('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}

interface ReferenceInputs {
  reference?: string | undefined;
  referenceProduction?: string | undefined;
  referenceCandidate?: string | undefined;
}

/**
 * The reference corpus embedded by both models (required: it is what the answers are judged in). Its texts come
 * from `reference` (id, text); the vectors from the reference sources, through the
 * embedding cache like embedding-regression's. Loaded before any request is replayed, so
 * a mistake here costs production nothing.
 */
async function loadReference(inputs: ReferenceInputs, environment: Environment, embeddings: Parameters<typeof createSource>[1]['config']): Promise<ReferenceCorpus> {
  const specs = { production: inputs.referenceProduction, candidate: inputs.referenceCandidate };
  if (!inputs.reference) {
    if (specs.production || specs.candidate) throw new ConfigurationError("inputs 'reference-production' and 'reference-candidate' need input 'reference': the corpus's ids and texts");
    throw new ConfigurationError("answers: embeddings needs the reference corpus (inputs 'reference', 'reference-production', 'reference-candidate'): the answers are judged by their neighbours in it, and without it nothing could fail them");
  }
  if (!specs.production || !specs.candidate) throw new ConfigurationError("input 'reference' needs inputs 'reference-production' and 'reference-candidate': the reference corpus embedded by each model");
  const workspace = environment.context.workspace;
  const items: TextItem[] = [];
  const seen = new Set<string>();
  for await (const object of readObjects(resolve(workspace, inputs.reference), inputs.reference)) {
    const { id, text } = object.value;
    if (typeof id !== 'string' || id === '') throw new ConfigurationError('"id" must be a non-empty string', object.location);
    if (typeof text !== 'string') throw new ConfigurationError(`"text" of id ${JSON.stringify(id)} must be a string`, object.location);
    if (seen.has(id)) throw new ConfigurationError(`duplicate id ${JSON.stringify(id)}`, object.location);
    seen.add(id);
    items.push({ id, text, side: 'passage' });
  }
  if (items.length === 0) throw new ConfigurationError('the reference corpus is empty', { file: inputs.reference });
  const context = { workspace, config: embeddings, env: environment.env, setSecret: environment.setSecret, log: environment.log };
  const store = createCacheStore(workspace, embeddings);
  const open = async (role: 'production' | 'candidate'): Promise<EmbeddingSource> => {
    const source = await createSource(specs[role] as string, { ...context, role });
    return store ? withCache(source, store) : source;
  };
  const sources = { production: await open('production'), candidate: await open('candidate') };
  // The candidate's source answers for one document before production embeds them all.
  for (const role of ['candidate', 'production'] as const) await sources[role].check?.(items, { log: environment.log });
  const embed = (role: 'production' | 'candidate'): Promise<Matrix> =>
    environment.log.group(`embedding the reference corpus (${items.length} documents) with ${role}: ${sources[role].description}`, () =>
      sources[role].embed(items, { log: environment.log }),
    );
  const production = await embed('production');
  const candidate = await embed('candidate');
  return { ids: items.map((i) => i.id), production, candidate };
}
