import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FlagdCore } from '@openfeature/flagd-core';
import { describe, expect, it } from 'vitest';
import { FileFlagSwitch } from '../../src/serving/file-flag-switch.js';
import { parseFlagDocument, readModelFlag } from '../../src/serving/flagd.js';
import { SwitchConflictError } from '../../src/ledger/switch.js';
import { tempDir } from '../support/temp.js';

// The flag files the suite writes, evaluated by flagd's own evaluator (@openfeature/flagd-core,
// the engine flagd and the in-process OpenFeature providers run), with one targeting key per user.

const MODEL = 'search-embedder';
const USERS = Array.from({ length: 20_000 }, (_, i) => `user-${i}`);

/** Which version each user is served, as flagd evaluates the file. */
function evaluate(fileText: string): Map<string, string> {
  const core = new FlagdCore();
  core.setConfigurations(fileText);
  const served = new Map<string, string>();
  for (const user of USERS) {
    const resolution = core.resolveStringEvaluation(MODEL, 'unset', { targetingKey: user });
    expect(resolution.reason).not.toBe('ERROR');
    served.set(user, resolution.value);
  }
  return served;
}

function share(served: Map<string, string>, version: string): number {
  return [...served.values()].filter((v) => v === version).length / served.size;
}

async function flagFile(): Promise<{ path: string; serving: FileFlagSwitch }> {
  const dir = await tempDir('mg-flagd-');
  const path = join(dir, 'flags', '{environment}.flagd.json');
  await mkdir(join(dir, 'flags'));
  return { path: join(dir, 'flags', 'production.flagd.json'), serving: new FileFlagSwitch(path) };
}

describe('flag files evaluated by the real flagd evaluator', () => {
  it('canary-10 sends about 10% to the canary, later stages keep those users, and a rollback sends everyone back without a redeploy', async () => {
    const { path, serving } = await flagFile();
    await serving.write(MODEL, 'production', { version: '1.0.0', canary: null, record: 1 }, ['1.0.0']);
    expect(share(evaluate(await readFile(path, 'utf8')), '1.0.0')).toBe(1);

    await serving.write(MODEL, 'production', { version: '1.0.0', canary: { version: '2.0.0', percent: 10 }, record: 2 }, ['1.0.0', '2.0.0']);
    const text10 = await readFile(path, 'utf8');
    const at10 = evaluate(text10);
    // 20 000 users: the binomial standard deviation at p = 0.1 is 0.0021; ±0.01 is over 4.5 of them.
    expect(share(at10, '2.0.0')).toBeGreaterThan(0.09);
    expect(share(at10, '2.0.0')).toBeLessThan(0.11);
    expect(share(at10, '2.0.0') + share(at10, '1.0.0')).toBe(1);
    expect(readModelFlag(parseFlagDocument(text10, path), MODEL, path)).toEqual({ version: '1.0.0', canary: { version: '2.0.0', percent: 10 }, record: 2 });

    await serving.write(MODEL, 'production', { version: '1.0.0', canary: { version: '2.0.0', percent: 50 }, record: 3 }, ['1.0.0', '2.0.0']);
    const at50 = evaluate(await readFile(path, 'utf8'));
    expect(share(at50, '2.0.0')).toBeGreaterThan(0.48);
    expect(share(at50, '2.0.0')).toBeLessThan(0.52);
    // A user on the canary at 10% stays on it at 50%: the split is sticky per targeting key.
    for (const [user, version] of at10) if (version === '2.0.0') expect(at50.get(user)).toBe('2.0.0');

    // Rollback: the default variant flips back, the targeting goes; 2.0.0 stays a variant (warm).
    await serving.write(MODEL, 'production', { version: '1.0.0', canary: null, record: 4 }, ['1.0.0', '2.0.0']);
    const rolledBackText = await readFile(path, 'utf8');
    expect(share(evaluate(rolledBackText), '1.0.0')).toBe(1);
    const flag = JSON.parse(rolledBackText).flags[MODEL];
    expect(Object.keys(flag.variants).sort()).toEqual(['1.0.0', '2.0.0']);
    expect(flag.defaultVariant).toBe('1.0.0');
    expect(flag.targeting).toBeUndefined();
  });

  it('full promotion makes the canary the default and keeps the previous version as a variant', async () => {
    const { path, serving } = await flagFile();
    await serving.write(MODEL, 'production', { version: '2.0.0', canary: null, record: 5 }, ['2.0.0', '1.0.0']);
    const text = await readFile(path, 'utf8');
    expect(share(evaluate(text), '2.0.0')).toBe(1);
    expect(Object.keys(JSON.parse(text).flags[MODEL].variants).sort()).toEqual(['1.0.0', '2.0.0']);
  });

  it('keeps the other flags of the file, and refuses to undo a newer record', async () => {
    const { path, serving } = await flagFile();
    const other = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' };
    // Written by an editor that starts files with a byte-order mark.
    await writeFile(path, `\ufeff${JSON.stringify({ $schema: 'https://flagd.dev/schema/v0/flags.json', flags: { 'new-checkout': other } })}`);
    await serving.write(MODEL, 'production', { version: '2.0.0', canary: null, record: 7 }, ['2.0.0']);
    const doc = JSON.parse(await readFile(path, 'utf8'));
    expect(doc.flags['new-checkout']).toEqual(other);
    const core = new FlagdCore();
    core.setConfigurations(JSON.stringify(doc));
    expect(core.resolveBooleanEvaluation('new-checkout', true, {}).value).toBe(false);
    await expect(serving.write(MODEL, 'production', { version: '1.0.0', canary: null, record: 6 }, ['1.0.0'])).rejects.toThrow(SwitchConflictError);
    expect(JSON.parse(await readFile(path, 'utf8')).flags[MODEL].defaultVariant).toBe('2.0.0');
  });

  it('fails closed on a flag it did not write', async () => {
    const { path, serving } = await flagFile();
    await writeFile(path, JSON.stringify({ flags: { [MODEL]: { state: 'ENABLED', variants: { a: 'a', b: 'b' }, defaultVariant: 'a', targeting: { if: [true, 'b', 'a'] } } } }));
    await expect(serving.read(MODEL, 'production')).rejects.toThrow(/not a two-way fractional split/);
    await writeFile(path, '{ not json');
    await expect(serving.read(MODEL, 'production')).rejects.toThrow(/is not JSON/);
    await writeFile(path, Buffer.from([0x7b, 0xff, 0x7d]));
    await expect(serving.read(MODEL, 'production')).rejects.toThrow(/not valid UTF-8 at byte 1/);
  });
});
