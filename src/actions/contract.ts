import { createContractCommand } from '../contract/command.js';
import { contentsReaderFor } from '../github/contents.js';
import { openGitHubLedger } from '../github/ledger.js';
import { runAction } from './run.js';

await runAction(createContractCommand({ githubLedger: openGitHubLedger, contentsApi: contentsReaderFor }));
