import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { node24, repoRoot } from './node24.js';
import { tempDir } from './temp.js';

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

export interface ActionRun {
  exitCode: number | null;
  outputs: Record<string, string>;
  annotations: Annotation[];
  summary: string;
  stdout: string;
  stderr: string;
}

export interface ActionRunOptions {
  /** Inputs by their action.yml names (`results-dir`), as given in `with:`. */
  inputs?: Record<string, string>;
  /** Extra environment: GITHUB_* variables, tokens, GITHUB_API_URL of a test server. */
  env?: Record<string, string>;
  /** Event payload written to GITHUB_EVENT_PATH. */
  event?: object;
  /** The workspace (GITHUB_WORKSPACE and the working directory). */
  workspace?: string;
  timeoutMs?: number;
}

/** Decodes the runner's command data escaping (%25, %0D, %0A, and %3A %2C in properties). */
function unescape(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');
}

function parseAnnotations(stdout: string): Annotation[] {
  const annotations: Annotation[] = [];
  for (const line of stdout.split('\n')) {
    const match = /^::(error|warning|notice)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!match) continue;
    const annotation: Annotation = { level: match[1] as Annotation['level'], message: unescape(match[3] ?? '') };
    for (const pair of (match[2] ?? '').split(',').filter(Boolean)) {
      const eq = pair.indexOf('=');
      const key = pair.slice(0, eq);
      const value = unescape(pair.slice(eq + 1));
      if (key === 'file') annotation.file = value;
      if (key === 'line') annotation.line = Number(value);
      if (key === 'col') annotation.column = Number(value);
    }
    annotations.push(annotation);
  }
  return annotations;
}

/** Reads a GITHUB_OUTPUT file: `name<<DELIMITER\nvalue\nDELIMITER` blocks. */
function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<=]+)<<(.+)$/.exec(lines[i] ?? '');
    if (match) {
      const [, name, delimiter] = match as unknown as [string, string, string];
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] ?? '');
      outputs[name] = value.join('\n');
    } else if ((lines[i] ?? '').includes('=')) {
      const line = lines[i] ?? '';
      outputs[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return outputs;
}

/**
 * Runs the committed bundle `dist/<name>/index.js` under Node 24 as a child process, the way
 * the runner does: inputs as INPUT_<NAME> variables, outputs through GITHUB_OUTPUT, the job
 * summary through GITHUB_STEP_SUMMARY, annotations as workflow commands on stdout.
 */
export async function runActionBundle(name: string, options: ActionRunOptions = {}): Promise<ActionRun> {
  const scratch = await tempDir(`mg-${name}-`);
  const outputFile = join(scratch, 'output');
  const summaryFile = join(scratch, 'summary');
  const eventFile = join(scratch, 'event.json');
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');
  await writeFile(eventFile, JSON.stringify(options.event ?? {}));
  const workspace = options.workspace ?? scratch;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? scratch,
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_EVENT_NAME: 'pull_request',
    RUNNER_TEMP: scratch,
    RUNNER_DEBUG: '1',
    GITHUB_RUN_ID: '1',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_ACTION: `__${name}_${randomUUID().slice(0, 8)}`,
  };
  for (const [input, value] of Object.entries(options.inputs ?? {})) env[`INPUT_${input.replace(/ /g, '_').toUpperCase()}`] = value;
  Object.assign(env, options.env);
  const child = spawn(node24(), [join(repoRoot, 'dist', name, 'index.js')], { cwd: workspace, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exitCode = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
  return {
    exitCode,
    outputs: parseOutputFile(await readFile(outputFile, 'utf8')),
    annotations: parseAnnotations(stdout),
    summary: await readFile(summaryFile, 'utf8'),
    stdout,
    stderr,
  };
}
