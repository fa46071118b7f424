import { readFile } from 'node:fs/promises';
import { isAbsolute, relative } from 'node:path';
import * as core from '@actions/core';
import type { Command, Environment } from '../command.js';
import { parseInputs } from '../inputs/spec.js';
import { ConfigurationError, errorMessage, type SourceLocation } from '../io/errors.js';
import { neutraliseCommands, type Logger } from '../io/log.js';
import { runContextFromEnv } from '../results/context.js';

/** Annotations attach to the PR diff only with paths relative to the workspace. */
function annotationProperties(location: SourceLocation | undefined, workspace: string): core.AnnotationProperties {
  if (!location) return {};
  const file = isAbsolute(location.file) ? relative(workspace, location.file) : location.file;
  const props: core.AnnotationProperties = { file };
  if (location.line !== undefined) props.startLine = location.line;
  if (location.column !== undefined) props.startColumn = location.column;
  return props;
}

function actionsLogger(workspace: string): Logger {
  return {
    info: (message) => core.info(neutraliseCommands(message)),
    debug: (message) => core.debug(message),
    warning: (message, location) => core.warning(message, annotationProperties(location, workspace)),
    error: (message, location) => core.error(message, annotationProperties(location, workspace)),
    group: (title, fn) => core.group(neutraliseCommands(title), fn),
  };
}

async function readEvent(path: string | undefined): Promise<object | undefined> {
  if (!path) return undefined;
  try {
    return JSON.parse(await readFile(path, 'utf8')) as object;
  } catch {
    return undefined;
  }
}

/**
 * The whole of an action's entry point: parse inputs, run the command, write outputs and the
 * job summary. A ConfigurationError becomes one annotation per problem (file and line on the
 * diff); anything else is reported as a bug in model-gates. Either way the step fails.
 * `extras` hands the command capabilities only some actions bundle (the Actions cache).
 */
export async function runAction(command: Command, extras: Pick<Environment, 'folderCache'> = {}): Promise<void> {
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  const log = actionsLogger(workspace);
  try {
    // Mask every token input before anything can print it.
    for (const name of Object.keys(command.inputs)) {
      const value = name.endsWith('token') ? core.getInput(name) : '';
      if (value) core.setSecret(value);
    }
    const inputs = parseInputs(command.inputs, (name) => core.getInput(name), 'action');
    core.debug(`inputs: ${JSON.stringify(inputs)}`);
    const event = await readEvent(process.env.GITHUB_EVENT_PATH);
    const environment: Environment = {
      log,
      context: await runContextFromEnv(process.env, event),
      env: process.env,
      setSecret: (value) => core.setSecret(value),
      runner: 'actions',
      ...extras,
    };
    const outcome = await command.run(inputs, environment);
    for (const [name, value] of Object.entries(outcome.outputs)) core.setOutput(name, value);
    if (outcome.summary && process.env.GITHUB_STEP_SUMMARY) {
      await core.summary.addRaw(outcome.summary, true).write();
    }
    if (outcome.failure) core.setFailed(outcome.failure);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      for (const problem of error.problems) log.error(problem.message, problem.location);
      core.setFailed(`${command.name}: ${error.problems.length} problem(s) to fix; see the annotations above`);
    } else {
      core.error(`internal error in model-gates ${command.name} (this is a bug, please report it): ${errorMessage(error)}`);
      if (error instanceof Error && error.stack) core.debug(error.stack);
      core.setFailed(`${command.name} failed with an internal error`);
    }
  }
}
