import { ConfigurationError, type Problem } from '../io/errors.js';

interface InputBase {
  /** Shown in action.yml, the README and `model-gates <command> --help`. */
  description: string;
  /** Default written into action.yml only, e.g. `${{ github.token }}`; the CLI has none. */
  actionDefault?: string;
}
export interface StringInput extends InputBase {
  kind: 'string';
  required?: boolean;
  default?: string;
}
export interface BooleanInput extends InputBase {
  kind: 'boolean';
  default: boolean;
}
export interface NumberInput extends InputBase {
  kind: 'number';
  default?: number;
  min?: number;
  max?: number;
  integer?: boolean;
}
export interface EnumInput<V extends string = string> extends InputBase {
  kind: 'enum';
  values: readonly V[];
  default?: V;
  required?: boolean;
}
export type InputDefinition = StringInput | BooleanInput | NumberInput | EnumInput;

/**
 * An action's inputs, keyed by their kebab-case names. The same names are the action's
 * `with:` keys and the CLI's `--flags`.
 */
export type InputSpec = Readonly<Record<string, InputDefinition>>;

type Camel<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<Camel<Tail>>}` : S;
type Settled = { default: string | number } | { required: true };
type ValueOf<D> = D extends BooleanInput
  ? boolean
  : D extends EnumInput<infer V>
    ? D extends Settled ? V : V | undefined
    : D extends NumberInput
      ? D extends Settled ? number : number | undefined
      : D extends Settled ? string : string | undefined;

/** The typed object a spec parses into: camelCase keys. */
export type Inputs<S extends InputSpec> = { -readonly [K in keyof S & string as Camel<K>]: ValueOf<S[K]> };

/** kebab-case to camelCase: `results-dir` → `resultsDir`. */
export function camelCase(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

const TRUE = new Set(['true', 'True', 'TRUE']);
const FALSE = new Set(['false', 'False', 'FALSE']);

/**
 * Parses raw input strings into a typed object, strictly. Unknown enum values, non-numbers
 * and anything but a YAML 1.2 boolean are errors that list the valid values; every
 * problem is reported at once. An empty string counts as "not given".
 *
 * @param read returns the raw value of an input, or undefined/'' when not given.
 * @param origin how inputs are named in messages: `input 'x'` (action) or `--x` (CLI).
 */
export function parseInputs<S extends InputSpec>(spec: S, read: (name: string) => string | undefined, origin: 'action' | 'cli' = 'action'): Inputs<S> {
  const out: Record<string, unknown> = {};
  const problems: Problem[] = [];
  for (const [name, def] of Object.entries(spec)) {
    const label = origin === 'cli' ? `--${name}` : `input '${name}'`;
    const raw = read(name)?.trim() ?? '';
    const key = camelCase(name);
    if (raw === '') {
      if ('required' in def && def.required) problems.push({ message: `${label} is required: ${def.description}` });
      out[key] = def.default;
      continue;
    }
    switch (def.kind) {
      case 'string':
        out[key] = raw;
        break;
      case 'boolean':
        if (TRUE.has(raw)) out[key] = true;
        else if (FALSE.has(raw)) out[key] = false;
        else problems.push({ message: `${label}: '${raw}' is not a boolean; use true or false` });
        break;
      case 'number': {
        const value = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
        if (!Number.isFinite(value)) problems.push({ message: `${label}: '${raw}' is not a number` });
        else if (def.integer && !Number.isInteger(value)) problems.push({ message: `${label}: '${raw}' is not a whole number` });
        else if (def.min !== undefined && value < def.min) problems.push({ message: `${label}: ${raw} is below the minimum ${def.min}` });
        else if (def.max !== undefined && value > def.max) problems.push({ message: `${label}: ${raw} is above the maximum ${def.max}` });
        else out[key] = value;
        break;
      }
      case 'enum':
        if (def.values.includes(raw)) out[key] = raw;
        else problems.push({ message: `${label}: '${raw}' is not one of: ${def.values.join(', ')}` });
        break;
    }
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  return out as Inputs<S>;
}
