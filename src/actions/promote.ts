import { openGitHubLedger } from '../github/ledger.js';
import { createPromoteCommand } from '../promote/command.js';
import { runAction } from './run.js';

await runAction(createPromoteCommand({ githubLedger: openGitHubLedger }));
