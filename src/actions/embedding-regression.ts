import { actionsFolderCache } from '../github/actions-cache.js';
import { embeddingRegressionCommand } from '../regression/command.js';
import { runAction } from './run.js';

await runAction(embeddingRegressionCommand, { folderCache: actionsFolderCache });
