import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One cache entry, as the service keeps it. */
export interface CacheEntry {
  id: number;
  key: string;
  version: string;
  /** The uploaded archive; null until uploaded. */
  archive: Buffer | null;
  /** Entries can be restored only once finalised (v2) or committed (v1). */
  finalised: boolean;
}

/** A request the service refused, kept so a test can assert there were none. */
export interface Violation {
  request: string;
  problem: string;
}

/** An artifact, as the results service keeps it. */
export interface ArtifactEntry {
  id: number;
  name: string;
  /** The uploaded zip; null until uploaded. */
  archive: Buffer | null;
  finalised: boolean;
  /** `sha256:<hex>` the client reported when finalising. */
  hash: string | null;
}

/** The ids a runtime token grants, as the `Actions.Results` scope of its `scp` claim names them. */
export const BACKEND_IDS = { run: 'c0ffee00-0000-4000-8000-000000000001', job: 'c0ffee00-0000-4000-8000-000000000002' };

/**
 * A runtime token as the runner hands steps: a JWT whose `scp` claim carries the run's and
 * job's backend ids. The artifact client reads them from it; the signature is not checked.
 */
export function runtimeToken(): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ scp: `Actions.GenericRead Actions.Results:${BACKEND_IDS.run}:${BACKEND_IDS.job}` })}.signature`;
}

/**
 * The GitHub Actions results service on 127.0.0.1, as `@actions/cache` and `@actions/artifact`
 * talk to it. Artifacts (`ArtifactService`: `CreateArtifact`, `FinalizeArtifact`) are put to
 * a signed blob-storage URL in blocks (Azure's `Put Block` and `Put Block List`). The cache:
 * - v2 (github.com): Twirp JSON at `/twirp/github.actions.results.api.v1.CacheService/*`
 *   (`CreateCacheEntry`, `FinalizeCacheEntryUpload`, `GetCacheEntryDownloadURL`), with the
 *   archive itself put to and read from a signed blob-storage URL (Azure's `Put Blob`);
 * - v1 (GitHub Enterprise Server): REST at `/_apis/artifactcache/*` (look-up, reserve,
 *   chunked `PATCH` upload with `Content-Range`, commit with the size).
 * Keys and versions match as the service documents: the exact key first, then the newest
 * entry whose key starts with each restore key in turn, always with the same version.
 * Every request must carry the runtime token; anything malformed is answered with an error
 * and recorded as a violation.
 */
export class ActionsResultsServer {
  readonly entries: CacheEntry[] = [];
  readonly artifacts: ArtifactEntry[] = [];
  /** Committed blobs by `<container>/<id>`, and blocks put but not yet listed. */
  private readonly blobs = new Map<string, Buffer>();
  private readonly staged = new Map<string, Map<string, Buffer>>();
  readonly violations: Violation[] = [];
  /** Every request as `METHOD path`, in order. */
  readonly requests: string[] = [];
  url = '';
  private readonly server = createServer((req, res) => void this.handle(req, res));

  constructor(readonly token = runtimeToken()) {}

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Variables the runner sets for a step: v2 as on github.com, v1 as on GitHub Enterprise Server. */
  env(protocol: 'v1' | 'v2' = 'v2'): Record<string, string> {
    return protocol === 'v2'
      ? { ACTIONS_CACHE_SERVICE_V2: 'true', ACTIONS_RESULTS_URL: this.url, ACTIONS_RUNTIME_TOKEN: this.token, GITHUB_SERVER_URL: 'https://github.com' }
      : { ACTIONS_CACHE_URL: this.url, ACTIONS_RUNTIME_TOKEN: this.token, GITHUB_SERVER_URL: 'https://ghes.example.com' };
  }

  /** The entry a restore with these keys gets, or undefined. */
  match(key: string, restoreKeys: readonly string[], version: string): CacheEntry | undefined {
    const ready = this.entries.filter((e) => e.finalised && e.version === version);
    const exact = ready.find((e) => e.key === key);
    if (exact) return exact;
    for (const prefix of [key, ...restoreKeys]) {
      const newest = ready.filter((e) => e.key.startsWith(prefix)).at(-1);
      if (newest) return newest;
    }
    return undefined;
  }

  private violation(req: IncomingMessage, res: ServerResponse, status: number, problem: string): void {
    this.violations.push({ request: `${req.method} ${req.url}`, problem });
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ code: 'invalid_argument', msg: problem, message: problem }));
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', this.url);
    this.requests.push(`${req.method} ${url.pathname}`);

    const blob = /^\/devstoreaccount1\/((?:caches|artifacts)\/\d+)$/.exec(url.pathname);
    if (blob) return this.blob(req, res, url, blob[1] as string, body);

    if (req.headers.authorization !== `Bearer ${this.token}`) return this.violation(req, res, 401, 'missing or wrong runtime token');
    if (url.pathname.startsWith('/twirp/')) return this.twirp(req, res, url.pathname, body);
    if (url.pathname.startsWith('/_apis/artifactcache/')) return this.v1(req, res, url, body);
    return this.violation(req, res, 404, 'no such route');
  }

  private parse(req: IncomingMessage, res: ServerResponse, body: Buffer): Record<string, unknown> | undefined {
    try {
      const value = JSON.parse(body.toString('utf8')) as unknown;
      if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // answered below
    }
    this.violation(req, res, 400, 'body is not a JSON object');
    return undefined;
  }

  private twirp(req: IncomingMessage, res: ServerResponse, path: string, body: Buffer): void {
    const match = /^\/twirp\/github\.actions\.results\.api\.v1\.(CacheService|ArtifactService)\/(\w+)$/.exec(path);
    if (req.method !== 'POST' || !match) return this.violation(req, res, 404, 'no such Twirp method');
    if (!String(req.headers['content-type']).startsWith('application/json')) return this.violation(req, res, 415, 'Twirp JSON needs application/json');
    const request = this.parse(req, res, body);
    if (!request) return;
    return match[1] === 'CacheService' ? this.cacheService(req, res, match[2] as string, request) : this.artifactService(req, res, match[2] as string, request);
  }

  private cacheService(req: IncomingMessage, res: ServerResponse, method: string, request: Record<string, unknown>): void {
    const { key, version } = request;
    if (typeof key !== 'string' || key === '' || typeof version !== 'string' || version === '') return this.violation(req, res, 400, 'key and version are required strings');
    switch (method) {
      case 'GetCacheEntryDownloadURL': {
        const restoreKeys = request.restore_keys ?? [];
        if (!Array.isArray(restoreKeys) || restoreKeys.some((k) => typeof k !== 'string')) return this.violation(req, res, 400, 'restore_keys must be strings');
        const entry = this.match(key, restoreKeys as string[], version);
        return this.json(res, 200, entry ? { ok: true, signed_download_url: this.blobUrl('caches', entry.id), matched_key: entry.key } : { ok: false, signed_download_url: '', matched_key: '' });
      }
      case 'CreateCacheEntry': {
        if (this.entries.some((e) => e.key === key && e.version === version)) return this.json(res, 200, { ok: false, message: 'cache entry with the same key, version, and scope already exists' });
        const entry: CacheEntry = { id: this.entries.length + 1, key, version, archive: null, finalised: false };
        this.entries.push(entry);
        return this.json(res, 200, { ok: true, signed_upload_url: this.blobUrl('caches', entry.id) });
      }
      case 'FinalizeCacheEntryUpload': {
        const entry = this.entries.find((e) => e.key === key && e.version === version && !e.finalised);
        if (!entry) return this.json(res, 200, { ok: false, entry_id: '0', message: 'no cache entry was created for this key and version' });
        entry.archive = this.blobs.get(`caches/${entry.id}`) ?? null;
        if (!entry.archive) return this.json(res, 200, { ok: false, entry_id: '0', message: 'no uploaded archive for this key and version' });
        if (String(request.size_bytes) !== String(entry.archive.length)) return this.violation(req, res, 400, `size_bytes ${String(request.size_bytes)} is not the uploaded ${entry.archive.length}`);
        entry.finalised = true;
        return this.json(res, 200, { ok: true, entry_id: String(entry.id) });
      }
      default:
        return this.violation(req, res, 404, `no CacheService method ${method}`);
    }
  }

  private artifactService(req: IncomingMessage, res: ServerResponse, method: string, request: Record<string, unknown>): void {
    if (request.workflow_run_backend_id !== BACKEND_IDS.run || request.workflow_job_run_backend_id !== BACKEND_IDS.job) {
      return this.violation(req, res, 400, 'backend ids do not match the runtime token');
    }
    const { name } = request;
    if (typeof name !== 'string' || name === '') return this.violation(req, res, 400, 'name is a required string');
    switch (method) {
      case 'CreateArtifact': {
        if (this.artifacts.some((a) => a.name === name)) return this.json(res, 409, { code: 'already_exists', msg: `an artifact with this name already exists on the workflow run` });
        const artifact: ArtifactEntry = { id: 9000 + this.artifacts.length + 1, name, archive: null, finalised: false, hash: null };
        this.artifacts.push(artifact);
        return this.json(res, 200, { ok: true, signed_upload_url: this.blobUrl('artifacts', artifact.id) });
      }
      case 'FinalizeArtifact': {
        const artifact = this.artifacts.find((a) => a.name === name && !a.finalised);
        const archive = artifact && this.blobs.get(`artifacts/${artifact.id}`);
        if (!artifact || !archive) return this.violation(req, res, 404, 'no uploaded artifact with this name');
        if (String(request.size) !== String(archive.length)) return this.violation(req, res, 400, `size ${String(request.size)} is not the uploaded ${archive.length}`);
        const hash = `sha256:${createHash('sha256').update(archive).digest('hex')}`;
        if (request.hash !== undefined && request.hash !== hash) return this.violation(req, res, 400, `hash ${String(request.hash)} is not the uploaded ${hash}`);
        Object.assign(artifact, { archive, finalised: true, hash });
        return this.json(res, 200, { ok: true, artifact_id: String(artifact.id) });
      }
      default:
        return this.violation(req, res, 404, `no ArtifactService method ${method}`);
    }
  }

  private blobUrl(container: 'caches' | 'artifacts', id: number): string {
    return `${this.url}devstoreaccount1/${container}/${id}?sv=2025-01-05&sig=signed`;
  }

  /**
   * Blob storage, as much of Azure's API as the clients use: Put Blob (one shot), Put Block
   * and Put Block List (staged), Get Blob. The signed URL is the credential.
   */
  private blob(req: IncomingMessage, res: ServerResponse, url: URL, name: string, body: Buffer): void {
    if (url.searchParams.get('sig') !== 'signed') return this.violation(req, res, 403, 'not a signed blob URL');
    const created = (): void => {
      res.writeHead(201, { etag: `"${createHash('sha256').update(name).digest('hex').slice(0, 16)}"`, 'last-modified': new Date().toUTCString(), 'x-ms-request-server-encrypted': 'true' });
      res.end();
    };
    const comp = url.searchParams.get('comp');
    if (req.method === 'PUT' && comp === 'block') {
      const id = url.searchParams.get('blockid');
      if (!id) return this.violation(req, res, 400, 'Put Block needs a blockid');
      const blocks = this.staged.get(name) ?? new Map<string, Buffer>();
      blocks.set(id, body);
      this.staged.set(name, blocks);
      return created();
    }
    if (req.method === 'PUT' && comp === 'blocklist') {
      const ids = [...body.toString('utf8').matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]*)<\/(?:Latest|Uncommitted|Committed)>/g)].map((m) => m[1] as string);
      const blocks = this.staged.get(name) ?? new Map<string, Buffer>();
      const missing = ids.filter((id) => !blocks.has(id));
      if (missing.length > 0) return this.violation(req, res, 400, `Put Block List names blocks never put: ${missing.join(', ')}`);
      this.blobs.set(name, Buffer.concat(ids.map((id) => blocks.get(id) as Buffer)));
      this.staged.delete(name);
      return created();
    }
    if (req.method === 'PUT' && comp === null) {
      if (req.headers['x-ms-blob-type'] !== 'BlockBlob') return this.violation(req, res, 400, 'Put Blob needs x-ms-blob-type: BlockBlob');
      this.blobs.set(name, body);
      return created();
    }
    if (req.method === 'GET' && comp === null) {
      const data = this.blobs.get(name);
      if (!data) return this.violation(req, res, 404, 'blob not found');
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(data.length) });
      return void res.end(data);
    }
    return this.violation(req, res, 405, 'blob operation not supported');
  }

  private v1(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): void {
    const resource = url.pathname.slice('/_apis/artifactcache/'.length);
    if (req.method === 'GET' && resource === 'cache') {
      const [key = '', ...restoreKeys] = (url.searchParams.get('keys') ?? '').split(',');
      const version = url.searchParams.get('version') ?? '';
      if (!key || !version) return this.violation(req, res, 400, 'keys and version are required');
      const entry = this.match(key, restoreKeys, version);
      if (!entry) return void res.writeHead(204).end();
      return this.json(res, 200, { cacheKey: entry.key, scope: 'refs/heads/main', archiveLocation: this.blobUrl('caches', entry.id) });
    }
    if (req.method === 'GET' && resource === 'caches') {
      // The diagnostic listing a debug-mode miss makes: entries with this key, any version.
      const found = this.entries.filter((e) => e.finalised && e.key === url.searchParams.get('key'));
      return this.json(res, 200, { totalCount: found.length, artifactCaches: found.map((e) => ({ cacheKey: e.key, cacheVersion: e.version, scope: 'refs/heads/main' })) });
    }
    if (req.method === 'POST' && resource === 'caches') {
      const request = this.parse(req, res, body);
      if (!request) return;
      const { key, version } = request;
      if (typeof key !== 'string' || typeof version !== 'string') return this.violation(req, res, 400, 'key and version are required strings');
      if (this.entries.some((e) => e.key === key && e.version === version)) return this.json(res, 409, { message: `Cache already exists. Scope: refs/heads/main, Key: ${key}, Version: ${version}` });
      const entry: CacheEntry = { id: this.entries.length + 1, key, version, archive: Buffer.alloc(0), finalised: false };
      this.entries.push(entry);
      return this.json(res, 201, { cacheId: entry.id });
    }
    const id = /^caches\/(\d+)$/.exec(resource)?.[1];
    const entry = this.entries.find((e) => e.id === Number(id) && !e.finalised);
    if (!entry?.archive) return this.violation(req, res, 404, 'no such reserved cache');
    if (req.method === 'PATCH') {
      const range = /^bytes (\d+)-(\d+)\/\*$/.exec(String(req.headers['content-range']));
      if (!range || Number(range[2]) - Number(range[1]) + 1 !== body.length) return this.violation(req, res, 400, 'Content-Range does not match the chunk');
      const start = Number(range[1]);
      const grown = Buffer.alloc(Math.max(entry.archive.length, start + body.length));
      entry.archive.copy(grown);
      body.copy(grown, start);
      entry.archive = grown;
      return void res.writeHead(204).end();
    }
    if (req.method === 'POST') {
      const request = this.parse(req, res, body);
      if (!request) return;
      if (request.size !== entry.archive.length) return this.violation(req, res, 400, `size ${String(request.size)} is not the uploaded ${entry.archive.length}`);
      entry.finalised = true;
      this.blobs.set(`caches/${entry.id}`, entry.archive);
      return void res.writeHead(204).end();
    }
    return this.violation(req, res, 405, 'method not allowed');
  }
}
