import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { isNodeError } from '../io/errors.js';
import type { ArtifactCheck } from '../ledger/types.js';

export interface ArtifactVerifyOptions {
  /** Paths resolve against it, and must stay inside it. */
  workspace: string;
  /** The largest artifact fetched over https, in bytes. */
  maxBytes: number;
  /** Milliseconds before an https download is abandoned (default 10 minutes). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** A digest that does not match: promotion is refused. */
export class ArtifactMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArtifactMismatchError';
  }
}

function hex(digest: string): string {
  return digest.replace(/^sha256:/, '');
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function hashUrl(url: string, options: ArtifactVerifyOptions): Promise<{ hex: string } | { unreachable: string }> {
  const signal = AbortSignal.timeout(options.timeoutMs ?? 600_000);
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, { signal, redirect: 'follow' });
  } catch (error) {
    return { unreachable: `no answer from ${new URL(url).origin} (${error instanceof Error ? error.message : String(error)})` };
  }
  if (!response.ok || !response.body) return { unreachable: `${new URL(url).origin} answered ${response.status}` };
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > options.maxBytes) {
    await response.body.cancel();
    return { unreachable: `${declared} bytes, over the ${options.maxBytes}-byte cap (promote.artifactMaxBytes)` };
  }
  const hash = createHash('sha256');
  let bytes = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > options.maxBytes) {
      await reader.cancel();
      return { unreachable: `over the ${options.maxBytes}-byte cap (promote.artifactMaxBytes)` };
    }
    hash.update(value);
  }
  return { hex: hash.digest('hex') };
}

/**
 * Checks a contract's artifact against its digest where the runner can reach it: a path in
 * the workspace (relative, or `file:`) or an `https:` URL no larger than `maxBytes`. Other
 * schemes (s3://, gs://, hf://, oci://) are `not-reachable`, and so is an artifact over the cap
 * or a server that does not answer; the release record says so.
 * @throws ArtifactMismatchError when the bytes were read and do not hash to the digest.
 */
export async function verifyArtifact(uri: string | null, digest: string | null, options: ArtifactVerifyOptions): Promise<ArtifactCheck> {
  if (!uri || !digest) return { status: 'not-checked', detail: uri ? 'the contract gives no digest' : 'no artifact URI' };
  let got: string;
  if (uri.startsWith('https://')) {
    const outcome = await hashUrl(uri, options);
    if ('unreachable' in outcome) return { status: 'not-reachable', detail: outcome.unreachable };
    got = outcome.hex;
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri) && !uri.startsWith('file://')) {
    return { status: 'not-reachable', detail: `${uri.split(':')[0]}: artifacts are not read by the runner` };
  } else {
    const raw = uri.startsWith('file://') ? new URL(uri).pathname : uri;
    const path = resolve(options.workspace, raw);
    const inside = relative(options.workspace, path);
    if (inside.startsWith('..') || isAbsolute(inside)) return { status: 'not-reachable', detail: 'the path is outside the workspace' };
    try {
      if (!(await stat(path)).isFile()) return { status: 'not-reachable', detail: 'not a file' };
      got = await hashFile(path);
    } catch (error) {
      if (isNodeError(error, 'ENOENT')) return { status: 'not-reachable', detail: 'no such file in the workspace' };
      throw error;
    }
  }
  if (got !== hex(digest)) throw new ArtifactMismatchError(`the artifact ${uri} hashes to sha256:${got}, not the contract's ${digest}`);
  return { status: 'verified', detail: `sha256 matches (${uri.startsWith('https://') ? 'downloaded' : 'workspace file'})` };
}
