import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Environment } from '../../src/command.js';
import { MemoryLogger } from '../../src/io/log.js';
import type { RunContext } from '../../src/results/context.js';
import { repoRoot } from '../support/node24.js';
import { tempDir } from '../support/temp.js';

export const CANDIDATE = 'models/search-embedder/contract.yml';
export const PRODUCTION = 'production/search-embedder/contract.yml';

/** A copy of examples/ in a fresh temporary directory. */
export async function exampleWorkspace(): Promise<string> {
  const workspace = await tempDir('mg-contract-');
  await cp(join(repoRoot, 'examples'), workspace, { recursive: true });
  return workspace;
}

/** Rewrites a file of the workspace with string replacements, each of which must apply. */
export async function edit(workspace: string, file: string, ...replacements: [string | RegExp, string][]): Promise<string> {
  const path = join(workspace, file);
  let text = await readFile(path, 'utf8');
  for (const [from, to] of replacements) {
    const found = typeof from === 'string' ? text.includes(from) : from.test(text);
    if (!found) throw new Error(`test setup: '${String(from)}' not found in ${file}`);
    text = text.replace(from, to);
  }
  await writeFile(path, text);
  return text;
}

/** 1-based line of the first line containing `needle`. */
export function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(needle));
  if (index < 0) throw new Error(`test setup: '${needle}' not found`);
  return index + 1;
}

export interface TestEnvironment extends Environment {
  log: MemoryLogger;
  secrets: string[];
}

/** An Environment whose logger records every line, with the given workspace and context. */
export function testEnvironment(workspace: string, context: Partial<RunContext> = {}, env: NodeJS.ProcessEnv = {}): TestEnvironment {
  const secrets: string[] = [];
  return {
    log: new MemoryLogger(),
    context: { commit: null, ref: null, repository: null, runUrl: null, baseCommit: null, pullRequest: null, workspace, ...context },
    env,
    setSecret: (value) => secrets.push(value),
    runner: 'cli',
    secrets,
  };
}
