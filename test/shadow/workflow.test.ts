import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { commands } from '../../src/cli-wiring.js';
import { repoRoot } from '../support/node24.js';

interface Step {
  uses?: string;
  if?: string;
  'continue-on-error'?: boolean;
  with?: Record<string, unknown>;
}

describe('examples/workflows/shadow.yml', () => {
  it('shadows with inputs the actions accept, then gates even when the shadow run fails', async () => {
    const workflow = parse(await readFile(join(repoRoot, 'examples', 'workflows', 'shadow.yml'), 'utf8')) as { permissions: Record<string, string>; jobs: Record<string, { steps: Step[] }> };
    expect(workflow.permissions).toEqual({ contents: 'read' });
    const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
    for (const step of steps.filter((s) => s.uses?.includes('/actions/'))) {
      const name = /\/actions\/([a-z-]+)@/.exec(step.uses as string)?.[1];
      const command = commands.find((c) => c.name === name);
      expect(command, step.uses).toBeDefined();
      for (const key of Object.keys(step.with ?? {})) expect(Object.keys(command!.inputs), `${name}: ${key}`).toContain(key);
    }
    const shadow = steps.find((s) => s.uses?.includes('/actions/shadow@'));
    expect(shadow?.with).toMatchObject({ mode: 'replay', 'max-rps': 5 });
    expect(shadow?.['continue-on-error']).toBe(true);
    expect(steps.find((s) => s.uses?.includes('/actions/gate@'))?.if).toBe('always()');
  });
});
