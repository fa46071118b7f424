import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { tempDir } from '../support/temp.js';

describe('loadConfig: deprecated keys', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  async function load(yaml: string) {
    dir = await tempDir('mg-config-');
    await writeFile(join(dir, 'model-gates.yml'), yaml);
    return loadConfig(undefined, dir);
  }

  it("reads a canary metric's old 'tolerance' as relativeTolerance and says where it is", async () => {
    const { config, deprecations } = await load(
      ['version: 1', 'canary:', '  metrics:', '    - name: p95', '      direction: increase', '      tolerance: 0.1', ''].join('\n'),
    );
    expect(config.canary?.metrics[0]).toEqual({ name: 'p95', direction: 'increase', relativeTolerance: 0.1 });
    expect(deprecations).toHaveLength(1);
    expect(deprecations[0]?.message).toContain("rename it to 'relativeTolerance'");
    expect(deprecations[0]?.location).toMatchObject({ file: join(dir!, 'model-gates.yml'), line: 6 });
  });

  it('keeps relativeTolerance when both are set, and says the old key is ignored', async () => {
    const { config, deprecations } = await load(
      ['version: 1', 'canary:', '  metrics:', '    - name: p95', '      direction: increase', '      relativeTolerance: 0.2', '      tolerance: 0.1', ''].join('\n'),
    );
    expect(config.canary?.metrics[0]?.relativeTolerance).toBe(0.2);
    expect(config.canary?.metrics[0]).not.toHaveProperty('tolerance');
    expect(deprecations[0]?.message).toContain('ignored');
  });

  it('has nothing to say about a current config', async () => {
    const { deprecations } = await load(['version: 1', 'canary:', '  metrics:', '    - name: p95', '      direction: increase', '      relativeTolerance: 0.2', ''].join('\n'));
    expect(deprecations).toEqual([]);
  });
});
