import type { Command } from './command.js';
import { contractCommand } from './contract/command.js';
import { embeddingRegressionCommand } from './regression/command.js';
import { mergeCommand } from './results/merge-command.js';

/** Every command of the suite: each is a GitHub Action and a `model-gates` CLI command. */
export const commands: readonly Command[] = [contractCommand as Command, embeddingRegressionCommand as Command, mergeCommand as Command];
