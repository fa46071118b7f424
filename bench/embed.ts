// Throughput of the openai: embedding source against a local server of known capacity.
// The server (in its own thread, so its work does not slow the client) answers every
// batch after a fixed service time and works on at most `slots` batches at once, queueing
// the rest in arrival order, like TEI or vLLM with a fixed batch budget. Its capacity in a
// run is slots × maxBatch ÷ the mean time a batch really held a slot (nominally the service
// time); the source embeds the same texts with its default settings, once asking for
// base64 (the default) and once for float, and each run prints texts/s and the share of
// the capacity it reached. The last line is the default's share:
//   throughput: 93.5% of server capacity
//   npm run bench:embed [-- --texts 40000 --dim 768 --service-ms 40 --concurrency 8]
import { loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { OpenAiSource } from '../src/embeddings/openai.js';
import type { TextItem } from '../src/embeddings/types.js';
import { silentLogger } from '../src/io/log.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  const value = at >= 0 ? Number(args[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) {
    console.error(`--${name} must be a positive whole number`);
    process.exit(2);
  }
  return value;
};
const TEXTS = option('texts', 40_000);
const DIM = option('dim', 768);
const SERVER = { slots: 4, maxBatch: 64, serviceMs: option('service-ms', 40) };
const NOMINAL = (SERVER.slots * SERVER.maxBatch * 1000) / SERVER.serviceMs;

// The server: a plain http server in a worker thread. Answers are built once per batch
// size and encoding and then only copied out, so the server spends its time waiting (the
// service time), not encoding: the client's costs are what the benchmark measures.
// Timers fire late, so each run's capacity uses the slot time the server really spent.
const serverSource = `
const { createServer } = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const { slots, maxBatch, serviceMs, dim } = workerData;
const pool = Array.from({ length: 64 }, (_, p) => {
  const bytes = Buffer.alloc(dim * 4);
  for (let j = 0; j < dim; j++) bytes.writeFloatLE(Math.sin(p * 31 + j * 7) / Math.sqrt(dim), j * 4);
  return { float: JSON.stringify(Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, dim))), base64: JSON.stringify(bytes.toString('base64')) };
});
const answers = new Map();
const answer = (n, encoding) => {
  const key = n + encoding;
  if (!answers.has(key)) {
    const data = Array.from({ length: n }, (_, index) => '{"object":"embedding","index":' + index + ',"embedding":' + pool[index % pool.length][encoding] + '}');
    answers.set(key, Buffer.from('{"object":"list","data":[' + data.join(',') + '],"model":"bench"}'));
  }
  return answers.get(key);
};
let busy = 0;
const queue = [];
// Slot time actually spent per batch (timers fire late): the capacity is measured, not assumed.
const served = { batches: 0, slotMs: 0 };
parentPort.on('message', (message) => {
  if (message === 'reset') { served.batches = 0; served.slotMs = 0; }
  if (message === 'stats') parentPort.postMessage({ ...served });
});
const release = () => { busy--; const next = queue.shift(); if (next) { busy++; next(); } };
const slot = () => new Promise((resolve) => { if (busy < slots) { busy++; resolve(); } else queue.push(resolve); });
createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const n = Array.isArray(body.input) ? body.input.length : 0;
    if (n === 0 || n > maxBatch) {
      res.writeHead(422, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: { message: 'batch size ' + n + ' > maximum allowed batch size ' + maxBatch } }));
    }
    await slot();
    const started = performance.now();
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(answer(n, body.encoding_format === 'base64' ? 'base64' : 'float'));
      served.batches++;
      served.slotMs += performance.now() - started;
      release();
    }, serviceMs);
  });
}).listen(0, '127.0.0.1', function () { parentPort.postMessage(this.address().port); });
`;

interface Run {
  textsPerSecond: number;
  /** What the server could have served in that run: slots × full batch ÷ the mean slot time it really spent. */
  capacity: number;
}

async function main(): Promise<void> {
  const worker = new Worker(serverSource, { eval: true, workerData: { ...SERVER, dim: DIM } });
  const port = await new Promise<number>((resolve) => worker.once('message', resolve));
  const url = `http://127.0.0.1:${port}/v1`;
  const items: TextItem[] = Array.from({ length: TEXTS }, (_, i) => ({ id: `t${i}`, text: `text number ${i} ${'w '.repeat(i % 40)}` }));
  const concurrency = args.includes('--concurrency') ? option('concurrency', 8) : undefined;
  console.log(`embedding throughput: ${TEXTS} texts of dimension ${DIM} through the openai: source (batchSize 64, concurrency ${concurrency ?? 8}${concurrency ? '' : ': the defaults'})`);
  console.log(
    `reference: a local server with ${SERVER.slots} slots, ${SERVER.serviceMs} ms per batch of up to ${SERVER.maxBatch} texts, queueing the rest: ` +
      `nominal capacity ${NOMINAL.toFixed(0)} texts/s; each run's capacity uses the slot time the server really spent per batch (its timers fire late)`,
  );
  console.log(`load average before: ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
  const stats = (): Promise<{ batches: number; slotMs: number }> =>
    new Promise((resolve) => {
      worker.once('message', resolve);
      worker.postMessage('stats');
    });
  const measure = async (encodingFormat: 'auto' | 'float', texts: readonly TextItem[]): Promise<Run> => {
    const source = new OpenAiSource({ url, encodingFormat, ...(concurrency ? { concurrency } : {}) });
    worker.postMessage('reset');
    const started = performance.now();
    const matrix = await source.embed(texts, { log: silentLogger });
    const seconds = (performance.now() - started) / 1000;
    if (matrix.rows !== texts.length || matrix.dim !== DIM) throw new Error(`expected ${texts.length} × ${DIM}, got ${matrix.rows} × ${matrix.dim}`);
    const served = await stats();
    return { textsPerSecond: texts.length / seconds, capacity: (SERVER.slots * SERVER.maxBatch * 1000) / (served.slotMs / served.batches) };
  };
  await measure('auto', items.slice(0, 2000)); // warm-up: connections, JIT
  const float = await measure('float', items);
  const base64 = await measure('auto', items);
  const share = (run: Run): string => `${((100 * run.textsPerSecond) / run.capacity).toFixed(1)}%`;
  for (const [name, run] of [['float (JSON numbers)', float], ['base64 (the default)', base64]] as const) {
    console.log(`  ${name}: ${run.textsPerSecond.toFixed(0)} texts/s of a capacity of ${run.capacity.toFixed(0)} texts/s: ${share(run)}`);
  }
  console.log(`load average after: ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
  console.log(`throughput: ${share(base64)} of server capacity`);
  await worker.terminate();
}

await main();
