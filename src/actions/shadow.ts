import { shadowCommand } from '../shadow/command.js';
import { runAction } from './run.js';

await runAction(shadowCommand);
