import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** The Pushgateway binary: $PUSHGATEWAY_BIN, else `prometheus-pushgateway` on PATH (Debian's package). */
export function pushgatewayBinary(): string {
  const binary = process.env.PUSHGATEWAY_BIN || 'prometheus-pushgateway';
  const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `The Prometheus Pushgateway is required by the monitor tests and was not found ('${binary} --version' failed: ${probe.error?.message ?? `exit ${probe.status}`}). ` +
        'Install it (Debian/Ubuntu: apt-get install prometheus-pushgateway; .ci/run does) or set PUSHGATEWAY_BIN to the binary.',
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

export interface RunningPushgateway {
  /** Base URL, e.g. http://127.0.0.1:41234. */
  url: string;
  /** host:port, for a Prometheus scrape target. */
  target: string;
  stop(): Promise<void>;
  log(): string;
}

/**
 * Starts a real Pushgateway on 127.0.0.1 (a free port), in memory (no persistence file).
 * Resolves once it answers `/-/ready`.
 */
export async function startPushgateway(): Promise<RunningPushgateway> {
  const binary = pushgatewayBinary();
  const port = await freePort();
  const target = `127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(binary, [`--web.listen-address=${target}`, '--log.level=warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let running = true;
  void exited.then(() => (running = false));
  const stop = async (): Promise<void> => {
    if (!running) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  const url = `http://${target}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (!running) throw new Error(`the Pushgateway exited during start-up:\n${output}`);
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the Pushgateway was not ready within 20 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, target, stop, log: () => output };
}
