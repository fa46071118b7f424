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

/**
 * The GitHub Actions cache service on 127.0.0.1, as `@actions/cache` talks to it:
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
export class ActionsCacheServer {
  readonly entries: CacheEntry[] = [];
  readonly violations: Violation[] = [];
  /** Every request as `METHOD path`, in order. */
  readonly requests: string[] = [];
  url = '';
  private readonly server = createServer((req, res) => void this.handle(req, res));

  constructor(readonly token = 'actions-runtime-token') {}

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

    // Blob storage: the signed URL is the credential, as with Azure SAS URLs.
    const blob = /^\/devstoreaccount1\/actions-cache\/(\d+)$/.exec(url.pathname);
    if (blob) return this.blob(req, res, url, Number(blob[1]), body);

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
    const method = /^\/twirp\/github\.actions\.results\.api\.v1\.CacheService\/(\w+)$/.exec(path)?.[1];
    if (req.method !== 'POST' || !method) return this.violation(req, res, 404, 'no such Twirp method');
    if (!String(req.headers['content-type']).startsWith('application/json')) return this.violation(req, res, 415, 'Twirp JSON needs application/json');
    const request = this.parse(req, res, body);
    if (!request) return;
    const { key, version } = request;
    if (typeof key !== 'string' || key === '' || typeof version !== 'string' || version === '') return this.violation(req, res, 400, 'key and version are required strings');
    switch (method) {
      case 'GetCacheEntryDownloadURL': {
        const restoreKeys = request.restore_keys ?? [];
        if (!Array.isArray(restoreKeys) || restoreKeys.some((k) => typeof k !== 'string')) return this.violation(req, res, 400, 'restore_keys must be strings');
        const entry = this.match(key, restoreKeys as string[], version);
        return this.json(res, 200, entry ? { ok: true, signed_download_url: this.blobUrl(entry), matched_key: entry.key } : { ok: false, signed_download_url: '', matched_key: '' });
      }
      case 'CreateCacheEntry': {
        if (this.entries.some((e) => e.key === key && e.version === version)) return this.json(res, 200, { ok: false, message: 'cache entry with the same key, version, and scope already exists' });
        const entry: CacheEntry = { id: this.entries.length + 1, key, version, archive: null, finalised: false };
        this.entries.push(entry);
        return this.json(res, 200, { ok: true, signed_upload_url: this.blobUrl(entry) });
      }
      case 'FinalizeCacheEntryUpload': {
        const entry = this.entries.find((e) => e.key === key && e.version === version && !e.finalised);
        if (!entry?.archive) return this.json(res, 200, { ok: false, entry_id: '0', message: 'no uploaded archive for this key and version' });
        if (String(request.size_bytes) !== String(entry.archive.length)) return this.violation(req, res, 400, `size_bytes ${String(request.size_bytes)} is not the uploaded ${entry.archive.length}`);
        entry.finalised = true;
        return this.json(res, 200, { ok: true, entry_id: String(entry.id) });
      }
      default:
        return this.violation(req, res, 404, `no Twirp method ${method}`);
    }
  }

  private blobUrl(entry: CacheEntry): string {
    return `${this.url}devstoreaccount1/actions-cache/${entry.id}?sv=2025-01-05&sig=signed`;
  }

  private blob(req: IncomingMessage, res: ServerResponse, url: URL, id: number, body: Buffer): void {
    const entry = this.entries.find((e) => e.id === id);
    if (url.searchParams.get('sig') !== 'signed' || !entry) return this.violation(req, res, 403, 'not a signed blob URL');
    if (req.method === 'PUT') {
      if (req.headers['x-ms-blob-type'] !== 'BlockBlob') return this.violation(req, res, 400, 'Put Blob needs x-ms-blob-type: BlockBlob');
      if (entry.finalised) return this.violation(req, res, 409, 'entry already finalised');
      entry.archive = body;
      res.writeHead(201, { etag: `"${id}"`, 'last-modified': new Date().toUTCString(), 'x-ms-request-server-encrypted': 'true' });
      return void res.end();
    }
    if (req.method === 'GET') {
      if (!entry.finalised || !entry.archive) return this.violation(req, res, 404, 'blob not found');
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(entry.archive.length) });
      return void res.end(entry.archive);
    }
    return this.violation(req, res, 405, 'blob method not allowed');
  }

  private v1(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): void {
    const resource = url.pathname.slice('/_apis/artifactcache/'.length);
    if (req.method === 'GET' && resource === 'cache') {
      const [key = '', ...restoreKeys] = (url.searchParams.get('keys') ?? '').split(',');
      const version = url.searchParams.get('version') ?? '';
      if (!key || !version) return this.violation(req, res, 400, 'keys and version are required');
      const entry = this.match(key, restoreKeys, version);
      if (!entry) return void res.writeHead(204).end();
      return this.json(res, 200, { cacheKey: entry.key, scope: 'refs/heads/main', archiveLocation: this.blobUrl(entry) });
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
      return void res.writeHead(204).end();
    }
    return this.violation(req, res, 405, 'method not allowed');
  }
}
