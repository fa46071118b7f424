import { canaryAnalysisCommand } from './canary/command.js';
import type { Command } from './command.js';
import { contractCommand } from './contract/command.js';

/** Every command of the suite: each is a GitHub Action and a `model-gates` CLI command. */
export const commands: readonly Command[] = [contractCommand as Command, canaryAnalysisCommand as Command];
