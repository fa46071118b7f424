import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileLedger, parseLedgerFile } from '../../src/ledger/file.js';
import { LedgerConflictError } from '../../src/ledger/types.js';
import { MemoryLogger } from '../../src/io/log.js';
import { writerRecord } from './writer-record.js';
import { tempDir } from '../support/temp.js';

async function freshPath(): Promise<string> {
  return join(await tempDir('mg-ledger-'), 'ledger.jsonl');
}

/** A pid that is not running: a child that has already exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.on('close', resolve));
  return child.pid as number;
}

describe('FileLedger', () => {
  it('appends, sets statuses and reads the history newest first', async () => {
    const ledger = new FileLedger(await freshPath());
    const first = await ledger.claim(writerRecord(1, 4), null);
    await ledger.setStatus(first.id, 'success', 'x'.repeat(300));
    const second = await ledger.claim({ ...writerRecord(1, 4), version: '1.1.0', stage: 'canary-5', trafficPercent: 5 }, '1.0.0');
    const history = await ledger.history('writer-1', 'production');
    expect(history.map((e) => [e.id, e.version, e.status])).toEqual([
      [second.id, '1.1.0', 'in_progress'],
      [first.id, '1.0.0', 'success'],
    ]);
    expect(history[1]?.statusDescription).toHaveLength(140);
    expect((await ledger.current('writer-1', 'production'))?.id).toBe(first.id);
    // The canary is still in progress: another version is refused, and a stale expectation too.
    await expect(ledger.claim({ ...writerRecord(1, 4), version: '2.0.0' }, '1.0.0')).rejects.toThrow(/another rollout is in flight: 1\.1\.0 canary-5/);
    await expect(ledger.claim({ ...writerRecord(1, 4), version: '2.0.0' }, '0.9.0')).rejects.toThrow(LedgerConflictError);
  });

  it('ignores a torn last line, cuts it off on the next append and keeps every earlier record', async () => {
    const path = await freshPath();
    const log = new MemoryLogger();
    const ledger = new FileLedger(path, { log });
    const first = await ledger.claim(writerRecord(1, 10), null);
    await ledger.setStatus(first.id, 'success', 'ok');
    const intact = await readFile(path);
    // What a writer killed mid-append leaves: half a line, and its lock with a dead pid.
    const torn = JSON.stringify({ type: 'record', id: 2, record: writerRecord(2, 10) }).slice(0, 50);
    await appendFile(path, torn);
    await writeFile(`${path}.lock`, `${await deadPid()} ${hostname()} 2026-01-01T00:00:00.000Z\n`);
    expect((await ledger.history('writer-1', 'production')).map((e) => e.status)).toEqual(['success']);
    expect(await ledger.history('writer-2', 'production')).toEqual([]);

    const next = await ledger.claim(writerRecord(2, 10), null);
    expect(next.id).toBe(2);
    const after = await readFile(path);
    expect(after.subarray(0, intact.length).equals(intact)).toBe(true);
    expect(after.toString('utf8')).not.toContain(torn + '\n');
    expect(parseLedgerFile(after, path).tornBytes).toBe(0);
    expect(existsSync(`${path}.lock`)).toBe(false);
    expect(log.lines.map((l) => l.message).join('\n')).toMatch(/removed a stale lock left by process \d+[\s\S]*dropped a torn last line \(50 bytes\)/);
  });

  it('waits for a live lock and gives up with a clear message', async () => {
    const path = await freshPath();
    await writeFile(`${path}.lock`, `${process.pid} ${hostname()} now\n`);
    const ledger = new FileLedger(path, { lockTimeoutMs: 100 });
    await expect(ledger.claim(writerRecord(1, 4), null)).rejects.toThrow(/is held by another writer for over 100 ms/);
    // An empty lock is a writer between creating and filling it: waited for while recent,
    // stale once old (its writer died before writing its pid).
    await writeFile(`${path}.lock`, '');
    await expect(ledger.claim(writerRecord(1, 4), null)).rejects.toThrow(/is held by another writer/);
    const old = new Date(Date.now() - 60_000);
    await utimes(`${path}.lock`, old, old);
    expect((await ledger.claim(writerRecord(1, 4), null)).id).toBe(1);
  });

  it('rejects a complete line that is not a ledger line, naming the line', async () => {
    const path = await freshPath();
    const ledger = new FileLedger(path);
    await ledger.claim(writerRecord(1, 4), null);
    await appendFile(path, '{"hand":"edited"}\n');
    await expect(ledger.history('writer-1', 'production')).rejects.toThrow(/ledger\.jsonl:2: not a ledger line/);
  });

  it('serialises concurrent claims in one process: one winner per model', async () => {
    const ledger = new FileLedger(await freshPath());
    const outcomes = await Promise.allSettled(['1.0.0', '2.0.0', '3.0.0', '4.0.0'].map((version) => ledger.claim({ ...writerRecord(7, 4), version }, null)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason))).toEqual(
      Array(3).fill(expect.stringContaining('another rollout is in flight')),
    );
  });

  it('survives writers killed with SIGKILL in the middle of appending', async () => {
    const path = await freshPath();
    const bytes = 2_000_000;
    const committed: number[] = [];
    let lockLeftBehind = 0;
    let tornTails = 0;
    for (let round = 0; round < 3; round++) {
      // Each writer numbers its records from its own base: a record the previous writer wrote
      // but was killed before reporting must not collide with the next writer's first claim.
      const start = (round + 1) * 1000;
      const before = committed.length;
      const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'ledger-writer.ts'), path, String(bytes), String(start)], { stdio: ['ignore', 'pipe', 'inherit'] });
      const exited = new Promise((resolve) => child.on('close', resolve));
      let buffer = '';
      await new Promise<void>((resolve) => {
        // A writer that dies by itself must fail the assertions below, not hang the test.
        void exited.then(() => resolve());
        child.stdout.on('data', (chunk: Buffer) => {
          buffer += chunk.toString();
          const lines = buffer.split('\n');
          buffer = lines.pop() ?? '';
          for (const line of lines) committed.push(Number(line.split(' ')[1]));
          // Once it has committed two records, kill it at a random point of the next append.
          if (committed.length >= before + 2) setTimeout(() => resolve(), Math.random() * 40);
        });
      });
      child.kill('SIGKILL');
      await exited;
      if (existsSync(`${path}.lock`)) lockLeftBehind++;
      const parsed = parseLedgerFile(await readFile(path), path);
      if (parsed.tornBytes > 0) tornTails++;

      // Every record the writer reported is intact, with its status, and the ledger still works.
      const ledger = new FileLedger(path, { lockTimeoutMs: 5000 });
      for (const n of committed) {
        const [entry] = await ledger.history(`writer-${n}`, 'production');
        expect(entry?.status, `writer-${n}`).toBe('success');
        expect(entry?.results).toBe(String(n % 10).repeat(bytes));
      }
      const probe = await ledger.claim({ ...writerRecord(0, 4), model: `probe-${round}` }, null);
      await ledger.setStatus(probe.id, 'success', 'after the kill');
      expect((await ledger.current(`probe-${round}`, 'production'))?.id).toBe(probe.id);
    }
    expect(committed.length).toBeGreaterThanOrEqual(6);
    // The kill landed while the writer held the lock at least once (a stale lock was recovered).
    expect(lockLeftBehind + tornTails).toBeGreaterThan(0);
    expect((await stat(path)).size).toBeGreaterThan(committed.length * bytes);
  }, 180_000);
});
