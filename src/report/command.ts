import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defineCommand, repositoryOf, type Environment, type RepositoryRef } from '../command.js';
import { loadConfig } from '../config/load.js';
import { writeFileAtomic } from '../io/atomic.js';
import { ConfigurationError, errorMessage } from '../io/errors.js';
import { neutraliseCommands } from '../io/log.js';
import { mergeResults } from '../regression/merge.js';
import { readResults, resultFileName } from '../results/store.js';
import type { Result } from '../results/types.js';
import { TOOL_VERSION } from '../version.js';
import type { ReportPublisher } from './publisher.js';
import { HEADER_PATTERN, overallVerdict, renderComment, renderFull, renderSummary, reportMarker, type ReportContext } from './render.js';

/** What the report needs from outside the engine; the action and the tests hand these in. */
export interface ReportServices {
  /** Reads and writes on the repository's host with a token (GitHub: retries, throttling, GITHUB_API_URL). */
  publisher(token: string, repository: RepositoryRef, environment: Environment): ReportPublisher;
  /** Uploads files as an artifact of the current run; absent on the CLI. */
  uploadArtifact?(name: string, files: string[], rootDirectory: string): Promise<{ id?: number }>;
}

type Mode = 'comment' | 'summary' | 'both' | 'none';

interface Sources {
  results: Result[];
  commit: string | null;
  pullRequest: number | null;
}

function requiredRepository(environment: Environment): RepositoryRef {
  const repository = repositoryOf(environment.context);
  if (!repository) throw new ConfigurationError('GITHUB_REPOSITORY (owner/name) is not set: the report needs the repository to post to');
  return repository;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Gathers the results: the results directory, and with `run-id` the matching artifacts of
 * that run. Then the commit is the run's head commit and the pull request is the one the
 * API associates with it, never anything read from the artifacts.
 */
async function gatherResults(
  inputs: { resultsDir: string; runId: number | undefined; downloadPattern: string },
  environment: Environment,
  publisher: () => ReportPublisher,
): Promise<Sources> {
  const dir = resolve(environment.context.workspace, inputs.resultsDir);
  const local = inputs.runId === undefined || (await isDirectory(dir)) ? await readResults(dir) : [];
  if (inputs.runId === undefined) return { results: local, commit: environment.context.commit, pullRequest: environment.context.pullRequest };
  requiredRepository(environment);
  const runId = inputs.runId;
  const run = await publisher().triggeringRun(runId);
  const downloaded = await publisher().downloadRunResults(runId, inputs.downloadPattern);
  environment.log.info(`run ${inputs.runId}: ${downloaded.results.length} result file(s) from ${downloaded.artifacts.length} artifact(s); head ${run.headSha}, pull request ${run.pullRequest ?? 'none'}`);
  return { results: [...local, ...downloaded.results], commit: run.headSha, pullRequest: run.pullRequest };
}

async function uploadFullReport(
  services: ReportServices,
  name: string,
  results: readonly Result[],
  markdown: string,
  environment: Environment,
): Promise<{ name: string; url: string | null }> {
  if (!services.uploadArtifact) throw new ConfigurationError("the 'artifact-name' input needs the Actions runner; on the command line, use --output");
  const root = await mkdtemp(join(environment.env.RUNNER_TEMP || tmpdir(), 'model-gates-report-'));
  const files = [join(root, 'report.md')];
  await writeFileAtomic(files[0] as string, markdown);
  for (const result of results) {
    const file = join(root, 'results', resultFileName(result));
    await writeFileAtomic(file, `${JSON.stringify(result, null, 2)}\n`);
    files.push(file);
  }
  const { id } = await services.uploadArtifact(name, files, root);
  const runUrl = environment.context.runUrl;
  return { name, url: id !== undefined && runUrl ? `${runUrl}/artifacts/${id}` : runUrl };
}

/** Reads the run's event payload; a workflow_run event carries the triggering run's id. */
async function workflowRunId(environment: Environment): Promise<number | undefined> {
  if (environment.env.GITHUB_EVENT_NAME !== 'workflow_run' || !environment.env.GITHUB_EVENT_PATH) return undefined;
  try {
    const event = JSON.parse(await readFile(environment.env.GITHUB_EVENT_PATH, 'utf8')) as { workflow_run?: { id?: unknown } };
    return typeof event.workflow_run?.id === 'number' ? event.workflow_run.id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Builds the report command around its services. The command exits 0 once the report is
 * written and posted, whatever the verdict: failing the build is the gate's job.
 */
export function createReportCommand(services: ReportServices) {
  return defineCommand({
    name: 'report',
    description: 'Post one sticky pull request comment, the job summary and an artifact with the full report of every result',
    inputs: {
      'results-dir': { kind: 'string', default: 'model-gates-results', description: 'Directory holding the result files (*.json) of the checks, shards included.' },
      'github-token': { kind: 'string', actionDefault: '${{ github.token }}', description: 'Token for the GitHub API: posting the comment needs pull-requests: write; run-id needs actions: read.' },
      mode: {
        kind: 'enum',
        values: ['auto', 'comment', 'summary', 'both', 'none'] as const,
        default: 'auto',
        description: 'Where the report goes: comment (sticky PR comment), summary (job summary), both, or none (only output and artifact-name). auto is both when there is a pull request, summary otherwise.',
      },
      output: { kind: 'string', description: 'Also write the comment Markdown (at most 65,536 characters) to this file.' },
      'artifact-name': { kind: 'string', description: 'Upload the full report (report.md, no size limit) and the merged results under this artifact name, linked from the comment.' },
      'run-id': {
        kind: 'number',
        integer: true,
        min: 1,
        description: 'In a workflow_run job: id of the triggering run whose results artifacts are read (defaults to the workflow_run event\'s run). Its pull request comes from the API.',
      },
      'download-pattern': { kind: 'string', default: 'model-gates-results*', description: "With run-id: names of the triggering run's artifacts to read (* matches anything)." },
      header: { kind: 'string', default: 'default', description: 'Report key: one sticky comment per pull request and header, so independent reports can coexist.' },
      'pull-request': { kind: 'number', integer: true, min: 1, description: 'Pull request number to comment on, when the event does not say (the CLI).' },
      'comment-author': { kind: 'string', description: 'Login the token comments as, for GitHub App tokens (<app-slug>[bot]); found from the token when empty.' },
      config: { kind: 'string', description: 'Project config file. Defaults to model-gates.yml when it exists.' },
    },
    outputs: {
      verdict: 'The overall verdict of all results: pass, marginal, fail or error.',
      'comment-id': 'Id of the report comment (empty when none was posted).',
      'comment-url': 'Link to the report comment (empty when none was posted).',
      'report-file': 'Path of the Markdown written by output (empty when output is not set).',
      truncated: 'true when sections were left out of the comment to fit 65,536 characters.',
    },
    async run(inputs, environment) {
      if (!HEADER_PATTERN.test(inputs.header)) {
        throw new ConfigurationError(`input 'header': '${inputs.header}' must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit`);
      }
      const workspace = environment.context.workspace;
      await loadConfig(inputs.config, workspace);
      let publisher: ReportPublisher | undefined;
      const github = (): ReportPublisher => {
        if (!inputs.githubToken) throw new ConfigurationError("input 'github-token' is empty: the report needs a token to read runs and post comments");
        publisher ??= services.publisher(inputs.githubToken, requiredRepository(environment), environment);
        return publisher;
      };
      const runId = inputs.runId ?? (await workflowRunId(environment));
      const sources = await gatherResults({ resultsDir: inputs.resultsDir, runId, downloadPattern: inputs.downloadPattern }, environment, github);
      if (sources.results.length === 0) throw new ConfigurationError(`no result files found${runId ? ` in run ${runId}` : ''}`, { file: inputs.resultsDir });
      const results = mergeResults(sources.results);
      const pullRequest = inputs.pullRequest ?? sources.pullRequest;
      const mode: Mode = inputs.mode === 'auto' ? (pullRequest ? 'both' : 'summary') : inputs.mode;

      const context: ReportContext = {
        header: inputs.header,
        serverUrl: environment.env.GITHUB_SERVER_URL || 'https://github.com',
        repository: environment.context.repository,
        commit: sources.commit,
        runUrl: environment.context.runUrl,
        artifact: null,
        toolVersion: TOOL_VERSION,
      };
      if (inputs.artifactName) context.artifact = await uploadFullReport(services, inputs.artifactName, results, renderFull(results, context), environment);
      const comment = renderComment(results, context);
      const verdict = overallVerdict(results.map((r) => r.verdict));
      for (const result of results) environment.log.info(neutraliseCommands(`${result.id}: ${result.verdict}: ${result.summary}`));
      if (comment.omitted.length > 0) environment.log.info(`${comment.omitted.length} section(s) left out of the comment to fit 65,536 characters`);

      const outputs: Record<string, string> = { verdict, 'comment-id': '', 'comment-url': '', 'report-file': '', truncated: String(comment.omitted.length > 0) };
      if (inputs.output) {
        const file = resolve(workspace, inputs.output);
        await writeFileAtomic(file, comment.markdown);
        outputs['report-file'] = file;
      }
      const summary = mode === 'summary' || mode === 'both' ? renderSummary(results, context).markdown : undefined;
      if (mode === 'comment' || mode === 'both') {
        if (!pullRequest) {
          throw new ConfigurationError(`mode '${mode}' needs a pull request: run on a pull_request or workflow_run event, or set 'pull-request'`);
        }
        const writer = github();
        try {
          const posted = await writer.upsertStickyComment(
            { issueNumber: pullRequest, marker: reportMarker(inputs.header), body: comment.markdown, ...(inputs.commentAuthor ? { author: inputs.commentAuthor } : {}) },
            (message) => environment.log.debug(message),
          );
          outputs['comment-id'] = String(posted.id);
          outputs['comment-url'] = posted.url;
          environment.log.info(`report comment ${posted.action}: ${posted.url}`);
        } catch (error) {
          if (!(error instanceof ConfigurationError)) throw error;
          const failure = errorMessage(error);
          // The job summary is still written: the runner writes it before failing the step.
          return { outputs, ...(summary ? { summary } : {}), failure };
        }
      }
      return { outputs, ...(summary ? { summary } : {}) };
    },
  });
}
