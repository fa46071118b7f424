import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { tempDir } from '../../support/temp.js';

/** The Prometheus binary: $PROMETHEUS_BIN, else `prometheus` on PATH (Debian's package). */
export function prometheusBinary(): string {
  const binary = process.env.PROMETHEUS_BIN || 'prometheus';
  const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `Prometheus is required by the canary-analysis tests and was not found ('${binary} --version' failed: ${probe.error?.message ?? `exit ${probe.status}`}). ` +
        'Install it (Debian/Ubuntu: apt-get install prometheus; .ci/run does) or set PROMETHEUS_BIN to the binary.',
    );
  }
  return binary;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningPrometheus {
  url: string;
  /** Stops Prometheus (SIGTERM, then SIGKILL after 5 s) and removes its data directory. */
  stop(): Promise<void>;
  /** Prometheus's own log, for failure messages. */
  log(): string;
}

/**
 * Starts a real Prometheus on 127.0.0.1 (a free port) with a temporary data directory,
 * scraping `targets` every `scrapeInterval`. Resolves once Prometheus says it is ready.
 */
export async function startPrometheus(targets: readonly string[], scrapeInterval = '1s'): Promise<RunningPrometheus> {
  const binary = prometheusBinary();
  const dir = await tempDir('mg-prometheus-');
  const config = join(dir, 'prometheus.yml');
  await writeFile(
    config,
    [
      'global:',
      `  scrape_interval: ${scrapeInterval}`,
      `  scrape_timeout: ${scrapeInterval}`,
      `  evaluation_interval: ${scrapeInterval}`,
      'scrape_configs:',
      '  - job_name: canary-exporter',
      '    static_configs:',
      `      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(
    binary,
    [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn', '--storage.tsdb.retention.time=1h'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let running = true;
  void exited.then(() => (running = false));

  const stop = async (): Promise<void> => {
    if (running) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 20_000;
  for (;;) {
    if (!running) {
      await stop();
      throw new Error(`Prometheus exited during start-up:\n${output}`);
    }
    try {
      const response = await fetch(`${url}/-/ready`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Prometheus was not ready within 20 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, stop, log: () => output };
}

/** Runs an instant query and returns the number of series in its answer. */
export async function instantSeriesCount(url: string, query: string): Promise<number> {
  const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query })}`);
  const body = (await response.json()) as { data?: { result?: unknown[] } };
  return body.data?.result?.length ?? 0;
}
