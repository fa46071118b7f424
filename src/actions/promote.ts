import { promoteCommand } from '../promote/command.js';
import { runAction } from './run.js';

await runAction(promoteCommand);
