import { createGateCommand } from '../gate/command.js';
import { gateReadsFor } from '../github/gate-reads.js';
import { runAction } from './run.js';

await runAction(createGateCommand({ reads: gateReadsFor }));
