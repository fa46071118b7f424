import { actionsFolderCache } from '../github/actions-cache.js';
import { openGitHubLedger } from '../github/ledger.js';
import { createEmbeddingRegressionCommand } from '../regression/command.js';
import { runAction } from './run.js';

await runAction(createEmbeddingRegressionCommand({ githubLedger: openGitHubLedger }), { folderCache: actionsFolderCache });
