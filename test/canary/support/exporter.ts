import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A metrics exporter in Prometheus's text exposition format (version 0.0.4) that simulates
 * a service's baseline and canary for several scenarios at once, each series labelled
 * `scenario` and `version`:
 *
 * - `app_request_duration_seconds` histogram: log-normal latencies (median 100 ms,
 *   σ = 0.42 in log space, so p95 ≈ 200 ms), scaled by the group's latency factor;
 * - `app_requests_total` and `app_request_errors_total` counters (1% errors);
 * - `model_online_ctr` gauge: the model's online click-through rate, 0.30 ± 0.005.
 *
 * Requests are simulated at `requestsPerSecond` between two scrapes, so every scrape
 * moves the counters by an amount proportional to the time elapsed.
 */
export interface SimulatedGroup {
  scenario: string;
  version: string;
  /** Multiplies every latency: 1.3 makes p95 30% higher. */
  latencyFactor: number;
  /** A group that reports nothing: no series at all. */
  silent?: boolean;
}

const BUCKETS = Array.from({ length: 100 }, (_, i) => Math.round((i + 1) * 10) / 1000); // 0.01 s … 1.00 s

class Simulation {
  private state: number;
  private readonly bucketCounts = new Float64Array(BUCKETS.length);
  private count = 0;
  private sum = 0;
  private errors = 0;
  private last = Date.now();

  constructor(
    readonly group: SimulatedGroup,
    seed: number,
    private readonly requestsPerSecond: number,
  ) {
    this.state = seed >>> 0;
  }

  private uniform(): number {
    // xorshift32: small, seeded, good enough for a simulation.
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return (this.state + 0.5) / 2 ** 32;
  }

  private normal(): number {
    return Math.sqrt(-2 * Math.log(this.uniform())) * Math.cos(2 * Math.PI * this.uniform());
  }

  /** Simulates the requests served since the previous call. */
  advance(now: number): void {
    const n = Math.round(((now - this.last) / 1000) * this.requestsPerSecond);
    this.last = now;
    for (let i = 0; i < n; i++) {
      const latency = 0.1 * Math.exp(0.42 * this.normal()) * this.group.latencyFactor;
      this.count++;
      this.sum += latency;
      for (let b = BUCKETS.length - 1; b >= 0 && latency <= (BUCKETS[b] as number); b--) this.bucketCounts[b] = (this.bucketCounts[b] as number) + 1;
      if (this.uniform() < 0.01) this.errors++;
    }
  }

  lines(): string[] {
    const labels = `scenario="${this.group.scenario}",version="${this.group.version}"`;
    const out: string[] = [];
    BUCKETS.forEach((bound, b) => out.push(`app_request_duration_seconds_bucket{${labels},le="${bound}"} ${this.bucketCounts[b]}`));
    out.push(`app_request_duration_seconds_bucket{${labels},le="+Inf"} ${this.count}`);
    out.push(`app_request_duration_seconds_sum{${labels}} ${this.sum}`);
    out.push(`app_request_duration_seconds_count{${labels}} ${this.count}`);
    out.push(`app_requests_total{${labels}} ${this.count}`);
    out.push(`app_request_errors_total{${labels}} ${this.errors}`);
    out.push(`model_online_ctr{${labels}} ${(0.3 + 0.005 * this.normal()).toFixed(5)}`);
    return out;
  }
}

export interface Exporter {
  url: string;
  port: number;
  scrapes: () => number;
  close(): Promise<void>;
}

/** Starts the exporter on 127.0.0.1 (a free port); `/metrics` serves every non-silent group. */
export async function startExporter(groups: readonly SimulatedGroup[], requestsPerSecond = 1000): Promise<Exporter> {
  const simulations = groups.map((group, i) => new Simulation(group, 0x9e3779b9 ^ (i * 7919 + 17), requestsPerSecond));
  let scrapes = 0;
  const server: Server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    scrapes++;
    const now = Date.now();
    const types: Record<string, string> = {
      app_request_duration_seconds: 'histogram',
      app_requests_total: 'counter',
      app_request_errors_total: 'counter',
      model_online_ctr: 'gauge',
    };
    const byName = new Map<string, string[]>();
    for (const simulation of simulations) {
      if (simulation.group.silent) continue;
      simulation.advance(now);
      for (const line of simulation.lines()) {
        const name = line.slice(0, line.indexOf('{')).replace(/_(bucket|sum|count)$/, '');
        const list = byName.get(name) ?? [];
        list.push(line);
        byName.set(name, list);
      }
    }
    // The exposition format wants each family together, after its TYPE line.
    const body: string[] = [];
    for (const [name, lines] of byName) body.push(`# TYPE ${name} ${types[name] ?? 'untyped'}`, ...lines);
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`${body.join('\n')}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    scrapes: () => scrapes,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
