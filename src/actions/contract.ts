import { contractCommand } from '../contract/command.js';
import { runAction } from './run.js';

await runAction(contractCommand);
