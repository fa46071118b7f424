import { actionsFolderCache } from '../github/actions-cache.js';
import { createGitHubClient } from '../github/client.js';
import { createIssueAlerts } from '../github/monitor-issue.js';
import { createMonitorCommand } from '../monitor/command.js';
import { runAction } from './run.js';

await runAction(
  createMonitorCommand({
    alerts: (token, environment) => createIssueAlerts(createGitHubClient({ token, log: environment.log }), environment.context.repository, environment.log.debug),
  }),
  { folderCache: actionsFolderCache },
);
