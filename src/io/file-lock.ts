import { hostname } from 'node:os';
import { link, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { isNodeError } from './errors.js';
import { silentLogger, type Logger } from './log.js';

/** An empty lock file older than this was left by a writer that died before writing its pid. */
const EMPTY_LOCK_STALE_MS = 10_000;

export interface FileLockOptions {
  /** How long to wait for another writer's lock before giving up, in ms. */
  timeoutMs: number;
  log?: Logger;
  /** What the lock guards, for messages (a file path). */
  what: string;
  /** The error to throw when the wait times out (default: a plain Error). */
  timeoutError?: (message: string) => Error;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return !isNodeError(error, 'ESRCH');
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Takes an exclusive lock file (created with O_EXCL, holding the writer's pid and host) and
 * returns its release. A lock whose pid no longer runs on this host is stale: it is moved
 * aside atomically (only one waiter can move a given file) and removed.
 */
export async function acquireFileLock(lockPath: string, options: FileLockOptions): Promise<() => Promise<void>> {
  const log = options.log ?? silentLogger;
  const owner = `${process.pid} ${hostname()} ${new Date().toISOString()}\n`;
  const deadline = Date.now() + options.timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(lockPath, 'wx');
      try {
        await handle.write(owner);
        await handle.sync();
      } finally {
        await handle.close();
      }
      return async () => {
        await rm(lockPath, { force: true });
      };
    } catch (error) {
      if (!isNodeError(error, 'EEXIST')) throw error;
    }
    if (await breakStaleLock(lockPath, options.what, log)) continue;
    if (Date.now() > deadline) {
      const message = `${lockPath} is held by another writer for over ${options.timeoutMs} ms; if no model-gates process is running, delete the lock file`;
      throw options.timeoutError ? options.timeoutError(message) : new Error(message);
    }
    await sleep(Math.min(5 + attempt * 5, 100));
  }
}

/** Removes the lock when its pid is dead on this host; true when it did (or the lock vanished). */
async function breakStaleLock(lockPath: string, what: string, log: Logger): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(lockPath, 'utf8');
  } catch (error) {
    if (isNodeError(error, 'ENOENT')) return true;
    throw error;
  }
  const [pidText, host] = text.split(' ');
  const pid = Number(pidText);
  if (text === '') {
    // Its writer is between creating and filling it, or died right there: stale only when old.
    const age = Date.now() - (await stat(lockPath).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
    if (age < EMPTY_LOCK_STALE_MS) return false;
  } else if (!Number.isInteger(pid) || pid <= 0 || host !== hostname() || isAlive(pid)) {
    return false;
  }
  const aside = `${lockPath}.stale.${process.pid}`;
  try {
    await rename(lockPath, aside);
  } catch (error) {
    if (isNodeError(error, 'ENOENT')) return true;
    throw error;
  }
  const moved = await readFile(aside, 'utf8');
  if (moved !== text) {
    // Between reading and moving, the stale lock was replaced by a live writer's: put it back.
    await link(aside, lockPath).catch(() => undefined);
    await rm(aside, { force: true });
    return false;
  }
  await rm(aside, { force: true });
  log.warning(`${what}: removed a stale lock left by ${text === '' ? 'a writer that died while taking it' : `process ${pid}, which is no longer running`}`);
  return true;
}
