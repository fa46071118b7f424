import { describe, expect, it } from 'vitest';
import { createGitHubClient, type GitHubClient } from '../../src/github/client.js';
import { EnvironmentVariablesSwitch, variableNames } from '../../src/github/environment-variables-switch.js';
import { GitHubApiError } from '../../src/github/errors.js';
import { FlagdContentsSwitch } from '../../src/github/flagd-contents-switch.js';
import { MemoryLogger } from '../../src/io/log.js';
import { useGitHubServer } from '../support/github-server/vitest.js';

const APP_TOKEN = 'ghs_app_installation_token';
const WORKFLOW_TOKEN = 'ghs_workflow_token';
const github = useGitHubServer({}, (server) => {
  // A GitHub App installation token with the Environments and Contents permissions.
  server.addToken(APP_TOKEN, { login: 'model-gates-app[bot]', permissions: { environments: 'write', contents: 'write' } });
  // A GITHUB_TOKEN with everything a workflow's permissions: can grant around deployments.
  server.addToken(WORKFLOW_TOKEN, { login: 'github-actions[bot]', permissions: { deployments: 'write', contents: 'write', actions: 'write' } });
});

let repositories = 0;
function client(token: string): GitHubClient {
  return createGitHubClient({ token, baseUrl: github().url, log: new MemoryLogger(), timeUnitMs: 1 });
}
function newRepository(): { owner: string; repo: string; fullName: string } {
  const fullName = `acme/serving-${++repositories}`;
  github().state.addRepository(fullName);
  const [owner, repo] = fullName.split('/') as [string, string];
  return { owner, repo, fullName };
}

describe('EnvironmentVariablesSwitch', () => {
  it('writes MODEL_<NAME>_* variables of the environment and reads them back', async () => {
    const { owner, repo, fullName } = newRepository();
    github().state.addEnvironment(fullName, 'production');
    const serving = new EnvironmentVariablesSwitch(client(APP_TOKEN), { owner, repo });
    expect(await serving.read('search-embedder', 'production')).toBeNull();

    await serving.write('search-embedder', 'production', { version: '1.0.0', canary: { version: '2.0.0', percent: 10 }, record: 12 }, []);
    const names = variableNames('search-embedder');
    expect(names.version).toBe('MODEL_SEARCH_EMBEDDER_VERSION');
    const stored = Object.fromEntries(github().state.variablesOf(fullName, 'production').map((v) => [v.name, v.value]));
    expect(stored).toEqual({
      MODEL_SEARCH_EMBEDDER_VERSION: '1.0.0',
      MODEL_SEARCH_EMBEDDER_CANARY_VERSION: '2.0.0',
      MODEL_SEARCH_EMBEDDER_CANARY_PERCENT: '10',
      MODEL_SEARCH_EMBEDDER_LEDGER_RECORD: '12',
    });
    expect(await serving.read('search-embedder', 'production')).toEqual({ version: '1.0.0', canary: { version: '2.0.0', percent: 10 }, record: 12 });

    // Full promotion: the canary becomes the version; the canary variables say "no canary".
    await serving.write('search-embedder', 'production', { version: '2.0.0', canary: null, record: 13 }, []);
    expect(await serving.read('search-embedder', 'production')).toEqual({ version: '2.0.0', canary: null, record: 13 });
    expect(github().state.variablesOf(fullName, 'production').find((v) => v.name === names.canaryPercent)?.value).toBe('0');
    // Variables are written with update, falling back to create: 4 creates, then updates only.
    expect(github().count('actions/create-environment-variable', 201)).toBe(4);
  });

  it('never lets an older record overwrite a newer one', async () => {
    const { owner, repo, fullName } = newRepository();
    github().state.addEnvironment(fullName, 'production');
    const serving = new EnvironmentVariablesSwitch(client(APP_TOKEN), { owner, repo });
    await serving.write('m', 'production', { version: '3.0.0', canary: null, record: 30 }, []);
    await expect(serving.write('m', 'production', { version: '2.0.0', canary: null, record: 29 }, [])).rejects.toThrow(/newer ledger record #30/);
    expect((await serving.read('m', 'production'))?.version).toBe('3.0.0');
  });

  it('racing writers: the newest ledger record wins, whichever order their requests land in', async () => {
    const { owner, repo, fullName } = newRepository();
    github().state.addEnvironment(fullName, 'production');
    const names = variableNames('m');
    const newer = new EnvironmentVariablesSwitch(client(APP_TOKEN), { owner, repo });
    await newer.write('m', 'production', { version: '1.0.0', canary: null, record: 40 }, []);

    // A slow promotion (#41) is overtaken by a rollback (#42) between two of its writes: it
    // sees the newer claim before its next write and stops.
    const slowClient = client(APP_TOKEN);
    let checks = 0;
    slowClient.hook.before('request', async (options) => {
      // Its second look at the claim comes after it set the version.
      if (options.method === 'GET' && (options as { name?: string }).name === names.record && ++checks === 2) await newer.write('m', 'production', { version: '1.0.0', canary: null, record: 42 }, []);
    });
    const slow = new EnvironmentVariablesSwitch(slowClient, { owner, repo });
    await expect(slow.write('m', 'production', { version: '2.0.0', canary: { version: '2.0.0', percent: 10 }, record: 41 }, [])).rejects.toThrow(/newer ledger record #42; not overwritten by #41/);
    expect(await newer.read('m', 'production')).toEqual({ version: '1.0.0', canary: null, record: 42 });

    // An older writer's request already in flight lands in the middle of the newest's writes:
    // the newest reads everything back and sets again what changed.
    const lateClient = client(APP_TOKEN);
    let landed = false;
    lateClient.hook.before('request', async (options) => {
      if (options.method === 'GET' && (options as { name?: string }).name === names.canaryVersion && !landed) {
        landed = true;
        github().state.setVariable(fullName, 'production', names.record, '43');
        github().state.setVariable(fullName, 'production', names.version, '9.9.9');
      }
    });
    await new EnvironmentVariablesSwitch(lateClient, { owner, repo }).write('m', 'production', { version: '3.0.0', canary: null, record: 44 }, []);
    expect(landed).toBe(true);
    expect(await newer.read('m', 'production')).toEqual({ version: '3.0.0', canary: null, record: 44 });
  });

  it('a malformed canary percent is an error that names the variable; a write sets it right', async () => {
    const { owner, repo, fullName } = newRepository();
    github().state.addEnvironment(fullName, 'production');
    const serving = new EnvironmentVariablesSwitch(client(APP_TOKEN), { owner, repo });
    await serving.write('m', 'production', { version: '1.0.0', canary: null, record: 1 }, []);
    github().state.setVariable(fullName, 'production', variableNames('m').canaryPercent, 'ten');
    const error = await serving.read('m', 'production').catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/MODEL_M_CANARY_PERCENT of the production environment holds 'ten', not a whole percent/);
    expect((error as Error).name).not.toBe('SwitchConflictError');
    await serving.write('m', 'production', { version: '1.0.0', canary: null, record: 2 }, []);
    expect(await serving.read('m', 'production')).toEqual({ version: '1.0.0', canary: null, record: 2 });
  });

  it('says which token it needs when given a GITHUB_TOKEN', async () => {
    const { owner, repo, fullName } = newRepository();
    github().state.addEnvironment(fullName, 'production');
    const serving = new EnvironmentVariablesSwitch(client(WORKFLOW_TOKEN), { owner, repo });
    const error = await serving.write('m', 'production', { version: '1.0.0', canary: null, record: 1 }, []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubApiError);
    expect((error as Error).message).toMatch(/lacks `Environments: read.*a GITHUB_TOKEN cannot/);
    await expect(new EnvironmentVariablesSwitch(client(WORKFLOW_TOKEN), { owner, repo }).read('m', 'production')).rejects.toThrow(/403/);
    expect(github().state.variablesOf(fullName, 'production')).toEqual([]);
  });

  it('fails when the environment does not exist, instead of reporting nothing deployed', async () => {
    const { owner, repo } = newRepository();
    const serving = new EnvironmentVariablesSwitch(client(APP_TOKEN), { owner, repo });
    await expect(serving.write('m', 'staging', { version: '1.0.0', canary: null, record: 1 }, [])).rejects.toThrow(/404/);
  });
});

describe('FlagdContentsSwitch', () => {
  function flagsOf(fullName: string, path = 'flags/production.flagd.json'): Record<string, { defaultVariant: string; targeting?: unknown }> {
    const repository = github().state.repository(fullName)!;
    const bytes = repository.trees.get(repository.refs.get('main')!)?.get(path);
    return bytes ? JSON.parse(new TextDecoder().decode(bytes)).flags : {};
  }

  it('commits the flag file with a compare-and-swap on its blob sha; a racer that commits in between loses nothing', async () => {
    const { owner, repo, fullName } = newRepository();
    const octokit = client(APP_TOKEN);
    let races = 1;
    octokit.hook.before('request', (options) => {
      if (options.method === 'PUT' && races > 0) {
        races--;
        // Another writer commits its own flag between our read and our write.
        const doc = { flags: { ...flagsOf(fullName), 'new-checkout': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', metadata: { race: races } } } };
        github().state.commitFile(fullName, 'main', 'flags/production.flagd.json', new TextEncoder().encode(JSON.stringify(doc)), 'racer');
      }
    });
    const log = new MemoryLogger();
    const serving = new FlagdContentsSwitch(octokit, { owner, repo, path: 'flags/{environment}.flagd.json', log });
    await serving.write('search-embedder', 'production', { version: '1.0.0', canary: { version: '2.0.0', percent: 10 }, record: 4 }, ['1.0.0', '2.0.0']);
    const flags = flagsOf(fullName);
    expect(Object.keys(flags).sort()).toEqual(['new-checkout', 'search-embedder']);
    expect(flags['search-embedder']).toMatchObject({ defaultVariant: '1.0.0', targeting: { fractional: [['2.0.0', 10], ['1.0.0', 90]] } });
    // The first write named a blob that no longer existed (the racer created the file: 422), the second won.
    expect(github().requests.filter((r) => r.operation === 'repos/create-or-update-file-contents').map((r) => r.status)).toEqual([422, 200]);
    expect(log.lines.map((l) => l.message).join('\n')).toMatch(/changed while the switch was writing it/);
    expect(await serving.read('search-embedder', 'production')).toEqual({ version: '1.0.0', canary: { version: '2.0.0', percent: 10 }, record: 4 });
    github().requests.length = 0;

    // A racer that wins every time: the switch gives up cleanly and the racer's file stands.
    races = 10;
    const stubborn = new FlagdContentsSwitch(octokit, { owner, repo, path: 'flags/{environment}.flagd.json', attempts: 3 });
    await expect(stubborn.write('search-embedder', 'production', { version: '2.0.0', canary: null, record: 5 }, ['1.0.0', '2.0.0'])).rejects.toThrow(/kept changing under the switch: 3 writes refused/);
    expect(github().requests.filter((r) => r.operation === 'repos/create-or-update-file-contents').map((r) => r.status)).toEqual([409, 409, 409]);
    expect(Object.keys(flagsOf(fullName)).sort()).toEqual(['new-checkout', 'search-embedder']);
    expect(flagsOf(fullName)['search-embedder']?.defaultVariant).toBe('1.0.0');
  });

  it('two switches writing different models to one file at once both land', async () => {
    const { owner, repo, fullName } = newRepository();
    const a = new FlagdContentsSwitch(client(APP_TOKEN), { owner, repo, path: 'flags/{environment}.flagd.json' });
    const b = new FlagdContentsSwitch(client(APP_TOKEN), { owner, repo, path: 'flags/{environment}.flagd.json' });
    await Promise.all([
      a.write('model-a', 'production', { version: '1.0.0', canary: null, record: 1 }, ['1.0.0']),
      b.write('model-b', 'production', { version: '7.0.0', canary: null, record: 2 }, ['7.0.0']),
    ]);
    expect(Object.keys(flagsOf(fullName)).sort()).toEqual(['model-a', 'model-b']);
  });

  it('names contents: write when the token cannot commit', async () => {
    const { owner, repo } = newRepository();
    github().addToken('read-only', { login: 'reader', permissions: { contents: 'read' } });
    const serving = new FlagdContentsSwitch(client('read-only'), { owner, repo, path: 'flags/{environment}.flagd.json' });
    await expect(serving.write('m', 'production', { version: '1.0.0', canary: null, record: 1 }, ['1.0.0'])).rejects.toThrow(/contents: write/);
  });
});
