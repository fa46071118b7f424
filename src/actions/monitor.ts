import { actionsFolderCache } from '../github/actions-cache.js';
import { githubPromoteServices } from '../github/promote-services.js';
import { issueAlertsFor } from '../github/monitor-issue.js';
import { createMonitorCommand } from '../monitor/command.js';
import { runAction } from './run.js';

await runAction(createMonitorCommand({ ...githubPromoteServices, alerts: issueAlertsFor }), { folderCache: actionsFolderCache });
