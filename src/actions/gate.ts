import { createGateCommand } from '../gate/command.js';
import { createGitHubClient } from '../github/client.js';
import { runAction } from './run.js';

await runAction(createGateCommand({ github: (token, environment) => createGitHubClient({ token, log: environment.log }) }));
