import { ConfigurationError, type Problem } from '../io/errors.js';
import { schemaProblems } from '../io/schema.js';
import { readZip } from '../io/zip.js';
import type { Result } from '../results/types.js';
import type { Repository, RequestClient } from './sticky-comment.js';
import { decodeUtf8 } from '../io/text.js';

/** What the API says about the run that triggered a `workflow_run` job. */
export interface TriggeringRun {
  headSha: string;
  headBranch: string | null;
  /** Login of the head repository's owner (a fork's owner for fork pull requests). */
  headOwner: string | null;
  /** Pull request the run belongs to, or null when there is none (a push). */
  pullRequest: number | null;
}

interface PullSummary {
  number: number;
  state: string;
  head: { sha: string; ref: string };
}

/**
 * Finds the triggering run and its pull request through the API, never from anything the
 * run uploaded: first the open pull requests of the run's head commit, then (for forks,
 * which that list can miss) the open pull requests of its head branch, keeping the one
 * whose head is exactly the run's commit.
 */
export async function triggeringRun(client: RequestClient, repository: Repository, runId: number): Promise<TriggeringRun> {
  const { data: run } = await client.request('GET /repos/{owner}/{repo}/actions/runs/{run_id}', { ...repository, run_id: runId });
  const headSha = run.head_sha;
  const headBranch = run.head_branch ?? null;
  const headOwner = run.head_repository?.owner?.login ?? null;
  const matching = (pulls: readonly PullSummary[]): number | null => {
    const found = pulls.filter((p) => p.state === 'open' && p.head.sha === headSha).map((p) => p.number).sort((a, b) => a - b);
    return found[0] ?? null;
  };
  const { data: byCommit } = await client.request('GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls', { ...repository, commit_sha: headSha, per_page: 100 });
  let pullRequest = matching(byCommit as PullSummary[]);
  if (pullRequest === null && headBranch && headOwner) {
    const { data: byBranch } = await client.request('GET /repos/{owner}/{repo}/pulls', { ...repository, state: 'open', head: `${headOwner}:${headBranch}`, per_page: 100 });
    pullRequest = matching(byBranch as PullSummary[]);
  }
  return { headSha, headBranch, headOwner, pullRequest };
}

/** Whether an artifact name matches a pattern where `*` stands for any run of characters. */
export function matchesPattern(name: string, pattern: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return regex.test(name);
}

interface ArtifactSummary {
  id: number;
  name: string;
  expired: boolean;
}

/**
 * Downloads the result files of another workflow run: every unexpired artifact whose name
 * matches `pattern`, unzipped in memory, and every `*.json` file in it validated against
 * the result schema. An invalid file is an error naming the artifact and the file: a
 * fork's artifact is untrusted and is never used unchecked.
 *
 * @returns results ordered by artifact name, then file name.
 */
export async function downloadRunResults(client: RequestClient, repository: Repository, runId: number, pattern: string): Promise<{ results: Result[]; artifacts: string[] }> {
  const artifacts: ArtifactSummary[] = [];
  for (let page = 1; ; page++) {
    const { data } = await client.request('GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts', { ...repository, run_id: runId, per_page: 100, page });
    artifacts.push(...(data.artifacts as ArtifactSummary[]));
    if (data.artifacts.length < 100 || artifacts.length >= data.total_count) break;
  }
  const wanted = artifacts.filter((a) => !a.expired && matchesPattern(a.name, pattern)).sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id);
  const results: Result[] = [];
  const problems: Problem[] = [];
  for (const artifact of wanted) {
    const response = await client.request('GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}', {
      ...repository,
      artifact_id: artifact.id,
      archive_format: 'zip',
    });
    let entries;
    try {
      entries = readZip(Buffer.from(response.data as ArrayBuffer));
    } catch (error) {
      problems.push({ message: `artifact '${artifact.name}' of run ${runId}: ${error instanceof Error ? error.message : String(error)}` });
      continue;
    }
    for (const entry of entries.filter((e) => e.name.endsWith('.json')).sort((a, b) => a.name.localeCompare(b.name))) {
      const file = `artifact '${artifact.name}' of run ${runId}: ${entry.name}`;
      let data: unknown;
      try {
        data = JSON.parse(decodeUtf8(entry.data, file));
      } catch (error) {
        if (error instanceof ConfigurationError) problems.push(...error.problems);
        else problems.push({ message: 'not valid JSON', location: { file } });
        continue;
      }
      const invalid = schemaProblems('result', data, { file });
      if (invalid.length > 0) problems.push(...invalid);
      else results.push(data as Result);
    }
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  return { results, artifacts: wanted.map((a) => a.name) };
}
