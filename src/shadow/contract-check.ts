import type { ValidateFunction } from 'ajv';
import { vectorProblems } from '../contract/endpoint.js';
import type { Contract } from '../contract/types.js';
import { compileUserSchema, userSchemaErrors } from '../contract/user-schema.js';
import { ConfigurationError, type SourceLocation } from '../io/errors.js';

/** What every answer of one side must satisfy. */
export interface AnswerRules {
  /** The contract's dimension; without a contract, the first vector's. */
  dimension: number | undefined;
  normalized: boolean;
  /** Allowed deviation of a normalised vector's L2 norm from 1. */
  normTolerance: number;
  /** The contract's io.output schema, compiled. */
  validate?: ValidateFunction;
  /** io.output describes the vector itself (type: array), else an object `{ embedding }`. */
  outputIsArray: boolean;
}

/**
 * The rules a side's answers are checked against: the contract's embedding dimension,
 * normalisation and output schema; without a contract, only finite numbers of one
 * dimension. An output schema that does not compile is a ConfigurationError.
 */
export function answerRules(contract: Contract | undefined, location?: SourceLocation): AnswerRules {
  if (!contract) return { dimension: undefined, normalized: false, normTolerance: 0, outputIsArray: false };
  const compiled = compileUserSchema(contract.io.output);
  if ('error' in compiled) throw new ConfigurationError(`the contract's io.output schema cannot be compiled: ${compiled.error}`, location);
  const embedding = contract.embedding;
  return {
    dimension: embedding?.dimension,
    normalized: embedding?.normalized ?? false,
    normTolerance: embedding?.dtype === 'float32' ? 1e-3 : 1e-2,
    validate: compiled.validate,
    outputIsArray: contract.io.output.type === 'array',
  };
}

/**
 * Problems with one answer: for an embedding (an array), its dimension, finite values,
 * unit norm when the contract says normalised, and the output schema (on `{ embedding }`
 * unless io.output is an array); for any other JSON output, the output schema. The first
 * vector fixes the dimension when no contract gives one (`rules` is updated).
 */
export function answerProblems(rules: AnswerRules, value: unknown, embeddings: boolean): string[] {
  const problems: string[] = [];
  if (embeddings) {
    if (!Array.isArray(value)) return ['the answer is not an embedding (an array of numbers)'];
    if (rules.dimension === undefined && value.length > 0 && value.every((v) => typeof v === 'number' && Number.isFinite(v))) rules.dimension = value.length;
    const dimension = rules.dimension ?? value.length;
    for (const problem of vectorProblems(value, dimension, rules.normalized, rules.normTolerance)) {
      problems.push(problem.replace('the contract says', rules.validate ? 'the contract says' : 'earlier answers have'));
    }
    if (value.length === 0) problems.push('the embedding is empty');
    if (rules.validate) {
      const shaped = rules.outputIsArray ? value : { embedding: value };
      for (const error of userSchemaErrors(rules.validate, shaped)) problems.push(`does not match io.output: ${error.message}`);
    }
    return problems;
  }
  if (rules.validate) for (const error of userSchemaErrors(rules.validate, value)) problems.push(`does not match io.output: ${error.message}`);
  return problems;
}
