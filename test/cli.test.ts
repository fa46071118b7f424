import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main, parseFlags } from '../src/cli.js';
import { createContractCommand } from '../src/contract/command.js';
import type { Command } from '../src/command.js';
import { ConfigurationError } from '../src/io/errors.js';
import { CANDIDATE, PRODUCTION, edit, exampleWorkspace, lineOf } from './contract/helpers.js';

const command = createContractCommand({}) as unknown as Command;
const withBoolean: Command = {
  ...command,
  inputs: { ...command.inputs, 'fail-on-marginal': { kind: 'boolean', default: false, description: 'x' } },
};

function flagError(argv: string[], cmd: Command = command): string {
  try {
    parseFlags(cmd, argv);
  } catch (error) {
    if (error instanceof ConfigurationError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('parseFlags', () => {
  it('reads --name value and --name=value', () => {
    expect(Object.fromEntries(parseFlags(command, ['--contract', 'a.yml', '--production=none', '--results-dir', 'out=1']))).toEqual({
      contract: 'a.yml',
      production: 'none',
      'results-dir': 'out=1',
    });
  });

  it('rejects unknown flags, listing the valid ones', () => {
    expect(flagError(['--contrat', 'a.yml'])).toBe("unknown flag --contrat for 'contract'; valid flags: --contract, --production, --ledger, --environment, --results-dir, --check-id, --config, --github-token");
  });

  it('rejects repeated flags, positional arguments and missing values', () => {
    expect(flagError(['--contract', 'a', '--contract', 'b'])).toBe('--contract is given twice');
    expect(flagError(['a.yml'])).toMatch(/unexpected argument 'a.yml'/);
    expect(flagError(['--contract'])).toBe('--contract needs a value');
    // A flag never swallows the next flag as its value.
    expect(flagError(['--contract', '--production', 'none'])).toMatch(/^--contract needs a value/);
    expect(Object.fromEntries(parseFlags(command, ['--contract=--odd-name.yml']))).toEqual({ contract: '--odd-name.yml' });
  });

  it('reads a boolean flag alone as true, or with an explicit value', () => {
    expect(parseFlags(withBoolean, ['--fail-on-marginal']).get('fail-on-marginal')).toBe('true');
    expect(parseFlags(withBoolean, ['--fail-on-marginal', '--contract', 'a']).get('fail-on-marginal')).toBe('true');
    expect(parseFlags(withBoolean, ['--fail-on-marginal', 'false']).get('fail-on-marginal')).toBe('false');
  });
});

describe('main', () => {
  let stdout: string;
  let stderr: string;
  beforeEach(() => {
    stdout = '';
    stderr = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout += String(chunk);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('prints usage: exit 0 for --help, 1 (on stderr) without a command', async () => {
    expect(await main(['--help'])).toBe(0);
    expect(stdout).toContain('usage: model-gates <command>');
    expect(stdout).toContain('contract');
    stdout = '';
    expect(await main([])).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('usage: model-gates <command>');
  });

  it('prints a command help with its inputs and outputs', async () => {
    expect(await main(['contract', '--help'])).toBe(0);
    expect(stdout).toContain('--contract (required)');
    expect(stdout).toContain('--production (default git:base)');
    expect(stdout).toContain('required-bump:');
  });

  it('fails an unknown command and an unknown flag with exit 1', async () => {
    expect(await main(['contrakt'])).toBe(1);
    expect(stderr).toContain("error: unknown command 'contrakt'; commands: contract");
    stderr = '';
    expect(await main(['contract', '--nope', 'x'])).toBe(1);
    expect(stderr).toContain('error: unknown flag --nope');
  });

  it('neutralises workflow commands in what it writes to stderr (after a newline or a bare CR)', async () => {
    expect(await main(['contract', '--nope\r::error::pwned\n::warning::again', 'x'])).toBe(1);
    expect(stderr).toContain('unknown flag --nope');
    expect(stderr).not.toMatch(/^\s*::/m);
    expect(stderr).toContain(':\u200b:error::pwned');
    expect(stderr).toContain(':\u200b:warning::again');
  });

  it('runs the check: outputs as name=value, exit 0 on pass', async () => {
    const workspace = await exampleWorkspace();
    vi.stubEnv('GITHUB_WORKSPACE', workspace);
    vi.stubEnv('GITHUB_STEP_SUMMARY', join(workspace, 'summary.md'));
    expect(await main(['contract', '--contract', CANDIDATE, '--production', PRODUCTION, '--results-dir', 'results'])).toBe(0);
    expect(stdout).toContain('verdict=pass\nrequired-bump=major\nreindex-required=true\n');
    expect(stdout).toContain(`result-file=${join(workspace, 'results', 'contract.json')}`);
    // The model's name, escaped or in a code span.
    expect(await readFile(join(workspace, 'summary.md'), 'utf8')).toMatch(/search\\-embedder|`search-embedder`/);
  });

  it('prints errors as file:line:column: error: message, and exits 1 on a failing verdict', async () => {
    const workspace = await exampleWorkspace();
    vi.stubEnv('GITHUB_WORKSPACE', workspace);
    vi.stubEnv('GITHUB_STEP_SUMMARY', '');
    const text = await edit(workspace, CANDIDATE, ['dimension: 64', 'dimension: 0']);
    expect(await main(['contract', '--contract', CANDIDATE, '--production', 'none', '--results-dir', 'results'])).toBe(1);
    expect(stderr).toMatch(new RegExp(`^${CANDIDATE}:${lineOf(text, 'dimension: 0')}:\\d+: error: 'embedding\\.dimension' must be >= 1$`, 'm'));
    expect(stdout).toContain('verdict=fail');
  });

  it('exits 1 with a located configuration error for a missing contract', async () => {
    const workspace = await exampleWorkspace();
    vi.stubEnv('GITHUB_WORKSPACE', workspace);
    expect(await main(['contract', '--contract', 'models/none.yml'])).toBe(1);
    expect(stderr).toContain("models/none.yml: error: contract file 'models/none.yml' not found");
    expect(stdout).toBe('');
  });
});
