import { canaryAnalysisCommand } from '../canary/command.js';
import { runAction } from './run.js';

await runAction(canaryAnalysisCommand);
