import { canonicalJson } from '../io/digest.js';
import type { PathSegment } from '../io/yaml.js';

/**
 * How one change affects users of the model:
 * - `breaking`: a request or a consumer that worked with production can fail with the candidate;
 * - `additive`: everything that worked still works, and something new is possible;
 * - `metadata`: nothing about requests or responses changed (descriptions, owners, lineage…);
 * - `index-breaking`: vectors of the candidate cannot share an index with production's.
 */
export type ChangeKind = 'breaking' | 'additive' | 'metadata' | 'index-breaking';

export interface Change {
  kind: ChangeKind;
  /** Path of the changed value in the contract (e.g. `io.input.properties.text.maxLength`). */
  path: PathSegment[];
  message: string;
  /** Set when the value exists only in production (a removal): where it was there. */
  removed?: boolean;
}

/**
 * Which side of the model a schema describes. An input schema may only accept more
 * (widening is additive, narrowing breaks callers); an output schema may only promise
 * more (narrowing is additive, widening breaks consumers).
 */
export type Polarity = 'input' | 'output';

type Schema = Record<string, unknown>;
/** How the set of values a schema keyword accepts moved: the candidate's set relative to production's. */
type Movement = 'wider' | 'narrower' | 'other';

const ANNOTATIONS = new Set(['title', 'description', 'examples', 'default', '$comment', 'deprecated', 'readOnly', 'writeOnly', '$schema', '$id']);
const LOWER_BOUNDS = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'] as const;
const UPPER_BOUNDS = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'] as const;
/** Keywords this diff understands; any other keyword that differs is reported as possibly breaking. */
const UNDERSTOOD = new Set<string>([
  ...ANNOTATIONS,
  ...LOWER_BOUNDS,
  ...UPPER_BOUNDS,
  'type',
  'enum',
  'const',
  'properties',
  'required',
  'items',
  'additionalProperties',
  'pattern',
  'format',
  'uniqueItems',
]);

function isSchema(value: unknown): value is Schema {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function same(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function show(value: unknown): string {
  const text = value === undefined ? 'absent' : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function label(path: readonly PathSegment[]): string {
  return path.map(String).join('.');
}

/** Types a `type` keyword allows; `integer` is kept apart from `number` but counted inside it. */
function typeSet(schema: Schema): Set<string> | undefined {
  const type = schema.type;
  if (type === undefined) return undefined;
  return new Set((Array.isArray(type) ? type : [type]).map(String));
}

function typeAccepts(set: Set<string>, type: string): boolean {
  return set.has(type) || (type === 'integer' && set.has('number'));
}

/** Compares two optional sets where an absent set means "anything". */
function compareSets<T>(production: T[] | undefined, candidate: T[] | undefined, contains: (set: T[], item: T) => boolean): Movement | 'same' {
  if (production === undefined && candidate === undefined) return 'same';
  if (candidate === undefined) return 'wider';
  if (production === undefined) return 'narrower';
  const candidateCoversProduction = production.every((item) => contains(candidate, item));
  const productionCoversCandidate = candidate.every((item) => contains(production, item));
  if (candidateCoversProduction && productionCoversCandidate) return 'same';
  if (candidateCoversProduction) return 'wider';
  if (productionCoversCandidate) return 'narrower';
  return 'other';
}

function allowedValues(schema: Schema): unknown[] | undefined {
  if ('const' in schema) return [schema.const];
  return Array.isArray(schema.enum) ? schema.enum : undefined;
}

/**
 * Compares two JSON Schemas of a model's input or output, keyword by keyword, for the
 * constructs contracts use: type, properties, required, items, enum/const, minimum/maximum
 * (and their exclusive forms), min/maxLength, min/maxItems, min/maxProperties, pattern,
 * format, uniqueItems and additionalProperties. Annotations (title, description, examples…)
 * are metadata. Any other keyword that differs (anyOf, $ref, not…) cannot be compared and
 * is reported as a possibly breaking change: the diff fails closed, it never ignores one.
 *
 * @param path where the two schemas sit in the contract, e.g. `['io', 'input']`.
 * @returns every change found, in document order; empty when the schemas are equivalent.
 */
export function diffSchemas(production: unknown, candidate: unknown, polarity: Polarity, path: PathSegment[]): Change[] {
  const changes: Change[] = [];
  compare(production, candidate, polarity, path, changes);
  return changes;
}

/** Classifies a movement of the accepted set for the given side of the model. */
function classify(movement: Movement, polarity: Polarity): ChangeKind {
  if (movement === 'other') return 'breaking';
  if (polarity === 'input') return movement === 'wider' ? 'additive' : 'breaking';
  return movement === 'narrower' ? 'additive' : 'breaking';
}

function describeMovement(movement: Movement, polarity: Polarity): string {
  if (movement === 'other') return 'changed in a way that cannot be shown compatible (possibly breaking)';
  return `${movement === 'wider' ? 'widened' : 'narrowed'} ${polarity}`;
}

function compare(production: unknown, candidate: unknown, polarity: Polarity, path: PathSegment[], changes: Change[]): void {
  if (same(production, candidate)) return;
  // Boolean schemas: true accepts everything, false nothing.
  if (typeof production === 'boolean' || typeof candidate === 'boolean' || !isSchema(production) || !isSchema(candidate)) {
    const movement = booleanMovement(production, candidate);
    if (movement === 'same') return;
    changes.push({ kind: classify(movement, polarity), path, message: `${polarity} schema at '${label(path)}' ${describeMovement(movement, polarity)}: ${show(production)} → ${show(candidate)}` });
    return;
  }
  const keys = new Set([...Object.keys(production), ...Object.keys(candidate)]);
  for (const key of keys) {
    const before = production[key];
    const after = candidate[key];
    if (same(before, after)) continue;
    const at = [...path, key];
    if (ANNOTATIONS.has(key)) {
      changes.push({ kind: 'metadata', path: at, message: `'${label(at)}' changed: ${show(before)} → ${show(after)}`, ...(after === undefined ? { removed: true } : {}) });
    } else if (!UNDERSTOOD.has(key)) {
      changes.push({
        kind: 'breaking',
        path: at,
        message: `'${label(at)}' changed (${show(before)} → ${show(after)}); keyword '${key}' cannot be compared, so the change is treated as possibly breaking`,
        ...(after === undefined ? { removed: true } : {}),
      });
    }
  }
  compareType(production, candidate, polarity, path, changes);
  compareValues(production, candidate, polarity, path, changes);
  for (const key of LOWER_BOUNDS) compareBound(key, 'lower', production, candidate, polarity, path, changes);
  for (const key of UPPER_BOUNDS) compareBound(key, 'upper', production, candidate, polarity, path, changes);
  compareOptionalConstraint('pattern', production, candidate, polarity, path, changes);
  compareOptionalConstraint('format', production, candidate, polarity, path, changes);
  compareUniqueItems(production, candidate, polarity, path, changes);
  compareProperties(production, candidate, polarity, path, changes);
  compareAdditional(production, candidate, polarity, path, changes);
  compareItems(production, candidate, polarity, path, changes);
}

function booleanMovement(production: unknown, candidate: unknown): Movement | 'same' {
  const accepts = (s: unknown): 'all' | 'none' | 'some' => (s === true || (isSchema(s) && Object.keys(s).length === 0) ? 'all' : s === false ? 'none' : 'some');
  const [before, after] = [accepts(production), accepts(candidate)];
  if (!isSchema(production) && typeof production !== 'boolean') return 'other';
  if (!isSchema(candidate) && typeof candidate !== 'boolean') return 'other';
  if (before === after && before !== 'some') return 'same';
  if (after === 'all' || before === 'none') return 'wider';
  if (after === 'none' || before === 'all') return 'narrower';
  return 'other';
}

function compareType(production: Schema, candidate: Schema, polarity: Polarity, path: PathSegment[], changes: Change[]): void {
  const before = typeSet(production);
  const after = typeSet(candidate);
  const movement = compareSets(before && [...before], after && [...after], (set, item) => typeAccepts(new Set(set), item));
  if (movement === 'same') return;
  const at = [...path, 'type'];
  const what = movement === 'other' ? 'retyped' : describeMovement(movement, polarity);
  changes.push({ kind: classify(movement, polarity), path: at, message: `'${label(path)}' ${what}: type ${show(production.type)} → ${show(candidate.type)}` });
}

function compareValues(production: Schema, candidate: Schema, polarity: Polarity, path: PathSegment[], changes: Change[]): void {
  const before = allowedValues(production);
  const after = allowedValues(candidate);
  const movement = compareSets(before, after, (set, item) => set.some((v) => same(v, item)));
  if (movement === 'same') return;
  const key = 'const' in candidate ? 'const' : 'enum' in candidate ? 'enum' : 'const' in production ? 'const' : 'enum';
  changes.push({
    kind: classify(movement, polarity),
    path: [...path, key],
    message: `'${label(path)}' allowed values ${describeMovement(movement, polarity)}: ${show(before)} → ${show(after)}`,
  });
}

function compareBound(key: string, side: 'lower' | 'upper', production: Schema, candidate: Schema, polarity: Polarity, path: PathSegment[], changes: Change[]): void {
  const before = production[key];
  const after = candidate[key];
  if (same(before, after)) return;
  const at = [...path, key];
  if ((before !== undefined && typeof before !== 'number') || (after !== undefined && typeof after !== 'number')) {
    changes.push({ kind: 'breaking', path: at, message: `'${label(at)}' is not a number (${show(before)} → ${show(after)}); treated as possibly breaking` });
    return;
  }
  // An absent bound is unbounded.
  const unbounded = side === 'lower' ? -Infinity : Infinity;
  const b = before ?? unbounded;
  const a = after ?? unbounded;
  const movement: Movement = side === 'lower' ? (a < b ? 'wider' : 'narrower') : a > b ? 'wider' : 'narrower';
  changes.push({
    kind: classify(movement, polarity),
    path: at,
    message: `'${label(path)}' ${describeMovement(movement, polarity)}: ${key} ${show(before)} → ${show(after)}`,
    ...(after === undefined ? { removed: true } : {}),
  });
}

/** pattern and format: adding one narrows, removing one widens, changing one cannot be compared. */
function compareOptionalConstraint(key: string, production: Schema, candidate: Schema, polarity: Polarity, path: PathSegment[], changes: Change[]): void {
  const before = production[key];
  const after = candidate[key];
  if (same(before, after)) return;
  const movement: Movement = before === undefined ? 'narrower' : after === undefined ? 'wider' : 'other';
  changes.push({
    kind: classify(movement, polarity),
    path: [...path, key],
    message: `'${label(path)}' ${describeMovement(movement, polarity)}: ${key} ${show(before)} → ${show(after)}`,
    ...(after === undefined ? { removed: true } : {}),
  });
}

function compareUniqueItems(production: Schema, candidate: Schema, polarity: Polarity, path: PathSegment[], changes: Change[]): void {
  const before = production.uniqueItems === true;
  const after = candidate.uniqueItems === true;
  if (before === after) return;
  const movement: Movement = after ? 'narrower' : 'wider';
  changes.push({ kind: classify(movement, polarity), path: [...path, 'uniqueItems'], message: `'${label(path)}' ${describeMovement(movement, polarity)}: uniqueItems ${before} → ${after}` });
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

function compareProperties(production: Schema, candidate: Schema, polarity: Polarity, path: PathSegment[], changes: Change[]): void {
  const before = isSchema(production.properties) ? production.properties : {};
  const after = isSchema(candidate.properties) ? candidate.properties : {};
  const requiredBefore = new Set(stringList(production.required));
  const requiredAfter = new Set(stringList(candidate.required));
  const field = polarity === 'input' ? 'input field' : 'output field';
  for (const name of Object.keys(before)) {
    const at = [...path, 'properties', name];
    if (!(name in after)) {
      changes.push({ kind: 'breaking', path: at, removed: true, message: `${field} '${name}' was removed (${label(at)})` });
    } else {
      compare(before[name], after[name], polarity, at, changes);
    }
  }
  for (const name of Object.keys(after)) {
    if (name in before) continue;
    const at = [...path, 'properties', name];
    const required = requiredAfter.has(name);
    if (polarity === 'input') {
      changes.push(
        required
          ? { kind: 'breaking', path: at, message: `new required input field '${name}' (${label(at)}): requests without it are now rejected` }
          : { kind: 'additive', path: at, message: `new optional input field '${name}' (${label(at)})` },
      );
    } else {
      changes.push({ kind: 'additive', path: at, message: `new output field '${name}' (${label(at)})` });
    }
  }
  // Required-ness of fields present on both sides (new and removed fields are reported above).
  for (const name of new Set([...requiredBefore, ...requiredAfter])) {
    if (requiredBefore.has(name) === requiredAfter.has(name)) continue;
    if (name in after && !(name in before)) continue; // reported as a new field
    if (name in before && !(name in after)) continue; // reported as a removed field
    const nowRequired = requiredAfter.has(name);
    const movement: Movement = nowRequired ? 'narrower' : 'wider';
    const kind = classify(movement, polarity);
    const message =
      polarity === 'input'
        ? nowRequired
          ? `input field '${name}' is now required (${label(path)}.required): requests without it are now rejected`
          : `input field '${name}' is no longer required (${label(path)}.required)`
        : nowRequired
          ? `output field '${name}' is now always present (${label(path)}.required)`
          : `output field '${name}' is no longer guaranteed (${label(path)}.required): consumers relying on it break`;
    changes.push({ kind, path: [...path, 'required'], message });
  }
}

function compareAdditional(production: Schema, candidate: Schema, polarity: Polarity, path: PathSegment[], changes: Change[]): void {
  const before = production.additionalProperties ?? true;
  const after = candidate.additionalProperties ?? true;
  if (same(before, after)) return;
  compare(before, after, polarity, [...path, 'additionalProperties'], changes);
}

function compareItems(production: Schema, candidate: Schema, polarity: Polarity, path: PathSegment[], changes: Change[]): void {
  const before = production.items;
  const after = candidate.items;
  if (same(before, after)) return;
  const at = [...path, 'items'];
  if (Array.isArray(before) || Array.isArray(after)) {
    changes.push({ kind: 'breaking', path: at, message: `'${label(at)}' changed and tuple items cannot be compared; treated as possibly breaking` });
    return;
  }
  compare(before ?? true, after ?? true, polarity, at, changes);
}
