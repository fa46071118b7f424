// The Debian packages the tests run for real: one list, used by the tests' global set-up
// (test/support/global-setup.ts) and by .ci/run. A package that is missing is installed
// through apt when running as root (apt-get update once, then every missing package in one
// non-interactive install); otherwise the set-up stops with the exact command to run.
// Run directly (`node scripts/test-services.mjs`) it does the same and exits 1 on failure.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Every service the tests start. `binary` is looked up on PATH unless `override` names an
 * environment variable that points at another binary.
 */
export const TEST_SERVICES = [
  { package: 'prometheus', binary: 'prometheus', override: 'PROMETHEUS_BIN', usedBy: 'canary-analysis (a real Prometheus)' },
  { package: 'prometheus-pushgateway', binary: 'prometheus-pushgateway', override: 'PUSHGATEWAY_BIN', usedBy: 'monitor (a real Pushgateway)' },
  { package: 'chromium', binary: 'chromium', override: 'CHROMIUM_BIN', usedBy: 'the HTML report (a real headless browser)' },
];

/** The absolute path of an executable on PATH, or undefined. */
function onPath(binary, env) {
  const candidates = isAbsolute(binary) ? [binary] : (env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, binary));
  return candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The services whose binary cannot be found. */
export function missingServices(env = process.env) {
  return TEST_SERVICES.filter((service) => !onPath(env[service.override] || service.binary, env));
}

/** The command that installs `packages`, as a user who is not root types it. */
export function installCommand(packages) {
  return `sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${packages.join(' ')}`;
}

function run(command, args) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (result.error || result.status !== 0) throw new Error(`'${command} ${args.join(' ')}' failed: ${result.error?.message ?? `exit ${result.status}`}`);
}

/**
 * Makes sure every test service is installed. Returns the packages it installed. Throws
 * one error naming the missing packages and the exact command when it cannot install them.
 */
export function ensureTestServices({ env = process.env, log = (line) => console.log(line), isRoot = typeof process.getuid === 'function' && process.getuid() === 0 } = {}) {
  const missing = missingServices(env);
  if (missing.length === 0) return [];
  const packages = missing.map((service) => service.package);
  const why = missing.map((service) => `${service.package} (${service.usedBy})`).join(', ');
  if (!isRoot || !onPath('apt-get', env)) {
    throw new Error(
      `The tests need Debian packages that are not installed: ${why}.\n` +
        `Install them with:\n\n  ${installCommand(packages)}\n\n` +
        `(or point ${missing.map((s) => s.override).join(', ')} at the binaries).`,
    );
  }
  log(`test services: installing ${packages.join(' ')} through apt`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages]);
  const still = missingServices(env);
  if (still.length > 0) throw new Error(`apt-get installed ${packages.join(' ')}, but ${still.map((s) => s.binary).join(', ')} is still not on PATH`);
  return packages;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    ensureTestServices();
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}
