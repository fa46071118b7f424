import { actionsFolderCache } from '../github/actions-cache.js';
import { openGitHubLedger } from '../github/ledger.js';
import { issueAlertsFor } from '../github/monitor-issue.js';
import { createMonitorCommand } from '../monitor/command.js';
import { runAction } from './run.js';

await runAction(createMonitorCommand({ githubLedger: openGitHubLedger, alerts: issueAlertsFor }), { folderCache: actionsFolderCache });
