import { describe, expect, it } from 'vitest';
import { camelCase, parseInputs, type InputSpec } from '../../src/inputs/spec.js';
import { ConfigurationError } from '../../src/io/errors.js';

const spec = {
  contract: { kind: 'string', required: true, description: 'The contract file.' },
  'results-dir': { kind: 'string', default: 'out', description: 'Where results go.' },
  'fail-on-marginal': { kind: 'boolean', default: false, description: 'Fail on marginal.' },
  'max-drop': { kind: 'number', min: 0, max: 1, description: 'Largest drop.' },
  shards: { kind: 'number', integer: true, default: 1, description: 'Shard count.' },
  mode: { kind: 'enum', values: ['comment', 'summary', 'both'], default: 'both', description: 'Where to report.' },
} as const satisfies InputSpec;

function parse(values: Record<string, string>, origin: 'action' | 'cli' = 'action') {
  return parseInputs(spec, (name) => values[name], origin);
}

function problems(values: Record<string, string>, origin: 'action' | 'cli' = 'action'): string[] {
  try {
    parse(values, origin);
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems.map((p) => p.message);
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('parseInputs', () => {
  it('builds a typed object with camelCase keys and defaults', () => {
    const inputs = parse({ contract: ' c.yml ' });
    expect(inputs).toEqual({ contract: 'c.yml', resultsDir: 'out', failOnMarginal: false, maxDrop: undefined, shards: 1, mode: 'both' });
  });

  it('accepts only YAML 1.2 booleans', () => {
    for (const yes of ['true', 'True', 'TRUE']) expect(parse({ contract: 'c', 'fail-on-marginal': yes }).failOnMarginal).toBe(true);
    for (const no of ['false', 'False', 'FALSE']) expect(parse({ contract: 'c', 'fail-on-marginal': no }).failOnMarginal).toBe(false);
    for (const bad of ['ture', 'yes', '1', 'on', 'tRUE']) {
      expect(problems({ contract: 'c', 'fail-on-marginal': bad })).toEqual([`input 'fail-on-marginal': '${bad}' is not a boolean; use true or false`]);
    }
  });

  it('parses numbers strictly, with integer and range checks', () => {
    expect(parse({ contract: 'c', 'max-drop': '0.05' }).maxDrop).toBe(0.05);
    expect(parse({ contract: 'c', 'max-drop': '.5' }).maxDrop).toBe(0.5);
    expect(parse({ contract: 'c', 'max-drop': '5e-2' }).maxDrop).toBe(0.05);
    for (const bad of ['abc', '0x10', '1,5', 'Infinity', 'NaN', '1e999', '--1']) {
      expect(problems({ contract: 'c', 'max-drop': bad }), bad).toEqual([`input 'max-drop': '${bad}' is not a number`]);
    }
    expect(problems({ contract: 'c', shards: '2.5' })).toEqual(["input 'shards': '2.5' is not a whole number"]);
    expect(problems({ contract: 'c', 'max-drop': '1.5' })).toEqual(["input 'max-drop': 1.5 is above the maximum 1"]);
    expect(problems({ contract: 'c', 'max-drop': '-0.1' })).toEqual(["input 'max-drop': -0.1 is below the minimum 0"]);
  });

  it('rejects unknown enum values and lists the valid ones', () => {
    expect(parse({ contract: 'c', mode: 'comment' }).mode).toBe('comment');
    expect(problems({ contract: 'c', mode: 'Comment' })).toEqual(["input 'mode': 'Comment' is not one of: comment, summary, both"]);
  });

  it('reports every problem at once, named as action inputs or CLI flags', () => {
    expect(problems({ mode: 'x', shards: 'y' })).toEqual([
      "input 'contract' is required: The contract file.",
      "input 'shards': 'y' is not a number",
      "input 'mode': 'x' is not one of: comment, summary, both",
    ]);
    expect(problems({ mode: 'x' }, 'cli')).toEqual(['--contract is required: The contract file.', "--mode: 'x' is not one of: comment, summary, both"]);
  });

  it('treats an empty or blank value as not given', () => {
    expect(problems({ contract: '   ' })).toEqual(["input 'contract' is required: The contract file."]);
    expect(parse({ contract: 'c', mode: '', 'fail-on-marginal': '' })).toMatchObject({ mode: 'both', failOnMarginal: false });
  });

  it('camelCases kebab names', () => {
    expect(camelCase('results-dir')).toBe('resultsDir');
    expect(camelCase('fail-on-marginal')).toBe('failOnMarginal');
    expect(camelCase('p95-budget')).toBe('p95Budget');
    expect(camelCase('contract')).toBe('contract');
  });
});
