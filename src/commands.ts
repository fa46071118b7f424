import type { Command } from './command.js';
import { contractCommand } from './contract/command.js';
import { historyCommand, promoteCommand } from './promote/command.js';

/**
 * Every command of the suite: each is a `model-gates` CLI command, and a GitHub Action when
 * `src/actions/<name>.ts` exists (`history` is CLI only: `promote --operation status`).
 */
export const commands: readonly Command[] = [contractCommand as Command, promoteCommand as Command, historyCommand as Command];
