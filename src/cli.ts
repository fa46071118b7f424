import { appendFile } from 'node:fs/promises';
import { commands } from './cli-wiring.js';
import type { Command, Environment } from './command.js';
import { parseInputs } from './inputs/spec.js';
import { ConfigurationError, errorMessage, formatLocation, type SourceLocation } from './io/errors.js';
import { neutraliseCommands, type Logger } from './io/log.js';
import { runContextFromEnv } from './results/context.js';
import { TOOL_VERSION } from './version.js';

/** Every line goes to stderr with workflow commands neutralised: the command line also runs inside Actions. */
const stderr = (line: string): void => {
  process.stderr.write(`${neutraliseCommands(line)}\n`);
};

function located(kind: string, message: string, location?: SourceLocation): string {
  return location ? `${formatLocation(location)}: ${kind}: ${message}` : `${kind}: ${message}`;
}

function cliLogger(verbose: boolean): Logger {
  return {
    info: (message) => stderr(message),
    debug: (message) => {
      if (verbose) stderr(`debug: ${message}`);
    },
    warning: (message, location) => stderr(located('warning', message, location)),
    error: (message, location) => stderr(located('error', message, location)),
    group: async (title, fn) => {
      stderr(`── ${title}`);
      return fn();
    },
  };
}

/**
 * Reads `--name value` / `--name=value` flags. Unknown and repeated flags are errors that
 * list the valid ones. A boolean flag given alone (`--fail-on-marginal`) means true.
 */
export function parseFlags(command: Command, argv: readonly string[]): Map<string, string> {
  const values = new Map<string, string>();
  const valid = Object.keys(command.inputs);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) throw new ConfigurationError(`unexpected argument '${arg}'; inputs are given as --name value`);
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const def = command.inputs[name];
    if (!def) throw new ConfigurationError(`unknown flag --${name} for '${command.name}'; valid flags: ${valid.map((v) => `--${v}`).join(', ')}`);
    if (values.has(name)) throw new ConfigurationError(`--${name} is given twice`);
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (def.kind === 'boolean' && (argv[i + 1] === undefined || argv[i + 1]?.startsWith('--'))) value = 'true';
    else {
      const next = argv[i + 1];
      if (next === undefined) throw new ConfigurationError(`--${name} needs a value`);
      // Never swallow the next flag as a value: `--contract --production x` is a mistake.
      if (next.startsWith('--')) throw new ConfigurationError(`--${name} needs a value (write --${name}=${next} for a value that starts with --)`);
      value = next;
      i++;
    }
    values.set(name, value);
  }
  return values;
}

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `model-gates ${TOOL_VERSION}: CI/CD gates for ML model updates`,
    '',
    'usage: model-gates <command> [--input value ...]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.description}`),
    '',
    "Flags are the action's input names. `model-gates <command> --help` lists them.",
  ].join('\n');
}

function commandHelp(command: Command): string {
  const lines = [`model-gates ${command.name}: ${command.description}`, '', 'inputs:'];
  for (const [name, def] of Object.entries(command.inputs)) {
    const extra: string[] = [];
    if ('required' in def && def.required) extra.push('required');
    if (def.kind === 'enum') extra.push(`one of ${def.values.join(' | ')}`);
    if (def.kind === 'boolean') extra.push('true | false');
    if (def.default !== undefined) extra.push(`default ${String(def.default)}`);
    lines.push(`  --${name}${extra.length ? ` (${extra.join('; ')})` : ''}`, `      ${def.description}`);
  }
  lines.push('', 'outputs (printed as name=value):');
  for (const [name, description] of Object.entries(command.outputs)) lines.push(`  ${name}: ${description}`);
  return lines.join('\n');
}

/** Runs the CLI and returns the exit code: 0 success, 1 any failure. */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    // No command is a usage error: the usage goes to stderr, as errors do.
    stderr(usage());
    return 1;
  }
  if (name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  if (name === '--version' || name === 'version') {
    process.stdout.write(`${TOOL_VERSION}\n`);
    return 0;
  }
  if (name === 'spec') {
    // Machine-readable command specs: the build generates action.yml and README tables from it.
    const spec = commands.map((c) => ({ name: c.name, description: c.description, inputs: c.inputs, outputs: c.outputs }));
    process.stdout.write(`${JSON.stringify(spec, null, 2)}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    stderr(`error: unknown command '${name}'; commands: ${commands.map((c) => c.name).join(', ')}`);
    return 1;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${commandHelp(command)}\n`);
    return 0;
  }
  const log = cliLogger(Boolean(process.env.MODEL_GATES_DEBUG));
  try {
    const flags = parseFlags(command, rest);
    const inputs = parseInputs(command.inputs, (input) => flags.get(input), 'cli');
    const environment: Environment = {
      log,
      context: await runContextFromEnv(process.env),
      env: process.env,
      setSecret: () => {},
      runner: 'cli',
    };
    const outcome = await command.run(inputs, environment);
    if (outcome.stdout !== undefined) process.stdout.write(outcome.stdout.endsWith('\n') ? outcome.stdout : `${outcome.stdout}\n`);
    else for (const [output, value] of Object.entries(outcome.outputs)) process.stdout.write(`${output}=${value}\n`);
    // Like the runner, append the summary to $GITHUB_STEP_SUMMARY when it is set.
    if (outcome.summary && process.env.GITHUB_STEP_SUMMARY) await appendFile(process.env.GITHUB_STEP_SUMMARY, `${outcome.summary}\n`);
    if (outcome.failure) {
      stderr(`${command.name}: ${outcome.failure}`);
      return 1;
    }
    return 0;
  } catch (error) {
    if (error instanceof ConfigurationError) {
      for (const problem of error.problems) log.error(problem.message, problem.location);
      return 1;
    }
    stderr(`internal error in model-gates ${command.name} (this is a bug, please report it): ${errorMessage(error)}`);
    if (error instanceof Error && error.stack) log.debug(error.stack);
    return 1;
  }
}
