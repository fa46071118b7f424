import { canaryAnalysisCommand } from './canary/command.js';
import type { Command } from './command.js';
import { contractCommand } from './contract/command.js';
import { createGitHubClient } from './github/client.js';
import { historyCommand, promoteCommand } from './promote/command.js';
import { embeddingRegressionCommand } from './regression/command.js';
import { createGateCommand } from './gate/command.js';
import { createReportCommand } from './report/command.js';
import { createIssueAlerts } from './github/monitor-issue.js';
import { createMonitorCommand } from './monitor/command.js';
import { mergeCommand } from './results/merge-command.js';

/** The report on the command line: GitHub through the API; no artifact upload outside the runner. */
const reportCommand = createReportCommand({ github: (token, environment) => createGitHubClient({ token, log: environment.log }) });

/** The gate on the command line: GitHub through the API when a token is given. */
const gateCommand = createGateCommand({ github: (token, environment) => createGitHubClient({ token, log: environment.log }) });

/** The monitor on the command line: the alert issue through the API when alerts: issue. */
const monitorCommand = createMonitorCommand({
  alerts: (token, environment) => createIssueAlerts(createGitHubClient({ token, log: environment.log }), environment.context.repository, environment.log.debug),
});

/**
 * Every command of the suite: each is a `model-gates` CLI command, and a GitHub Action when
 * `src/actions/<name>.ts` exists (`history` is CLI only: `promote --operation status`).
 */
export const commands: readonly Command[] = [
  contractCommand as Command,
  embeddingRegressionCommand as Command,
  reportCommand as Command,
  gateCommand as unknown as Command,
  promoteCommand as Command,
  canaryAnalysisCommand as Command,
  monitorCommand as unknown as Command,
  mergeCommand as Command,
  historyCommand as Command,
];
