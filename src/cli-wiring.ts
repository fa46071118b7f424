import { canaryAnalysisCommand } from './canary/command.js';
import type { Command } from './command.js';
import { createContractCommand } from './contract/command.js';
import { createGateCommand } from './gate/command.js';
import { contentsReaderFor } from './github/contents.js';
import { gateReadsFor } from './github/gate-reads.js';
import { openGitHubLedger } from './github/ledger.js';
import { issueAlertsFor } from './github/monitor-issue.js';
import { reportPublisherFor } from './github/report-publisher.js';
import { githubPromoteServices } from './github/promote-services.js';
import { createMonitorCommand } from './monitor/command.js';
import { createHistoryCommand, createPromoteCommand, createStatusCommand } from './promote/command.js';
import { createEmbeddingRegressionCommand } from './regression/command.js';
import { mergeCommand } from './regression/merge-command.js';
import { createReportCommand } from './report/command.js';
import { shadowCommand } from './shadow/command.js';

/** The ledgers the CLI can open: a file, or GitHub Deployments with a token. */
const ledgers = { githubLedger: openGitHubLedger };

/**
 * Every command of the suite wired to GitHub: each is a `model-gates` CLI command, and a
 * GitHub Action when `src/actions/<name>.ts` exists (`history` and `status` are CLI only).
 * On the command line the report uploads no artifact, and the gate evaluates approvals only
 * when a token is given.
 */
export const commands: readonly Command[] = [
  createContractCommand({ ...ledgers, contentsApi: contentsReaderFor }) as Command,
  createEmbeddingRegressionCommand(ledgers) as Command,
  createReportCommand({ publisher: reportPublisherFor }) as Command,
  createGateCommand({ reads: gateReadsFor }) as unknown as Command,
  createPromoteCommand(githubPromoteServices) as Command,
  canaryAnalysisCommand as Command,
  shadowCommand as Command,
  createMonitorCommand({ ...githubPromoteServices, alerts: issueAlertsFor }) as unknown as Command,
  mergeCommand as Command,
  createHistoryCommand(ledgers) as Command,
  createStatusCommand(githubPromoteServices) as unknown as Command,
];
