import { githubPromoteServices } from '../github/promote-services.js';
import { createPromoteCommand } from '../promote/command.js';
import { runAction } from './run.js';

await runAction(createPromoteCommand(githubPromoteServices));
