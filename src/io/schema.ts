import type { ErrorObject, ValidateFunction } from 'ajv';
import { ConfigurationError, type Problem, type SourceLocation } from './errors.js';
import * as validators from './generated/validators.js';
import type { PathSegment, SourceDocument } from './yaml.js';

/**
 * The published schemas, by short name (`schemas/<name>.schema.json`), as validators
 * compiled at build time (`scripts/build-validators.mjs`): no action compiles a schema when
 * it starts.
 */
const compiled: Record<SchemaName, ValidateFunction> = validators;

export type SchemaName = 'config' | 'contract' | 'result' | 'suite';

/** Splits an ajv instance path (`/a/0/b`, JSON Pointer) into segments. */
export function pointerToPath(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^(0|[1-9]\d*)$/.test(segment) ? Number(segment) : segment));
}

function describe(error: ErrorObject): { message: string; path: PathSegment[] } {
  const path = pointerToPath(error.instancePath);
  const where = error.instancePath === '' ? 'the document' : `'${path.join('.')}'`;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return { message: `${where} has unknown property '${String(params.additionalProperty)}'`, path: [...path, String(params.additionalProperty)] };
    case 'required':
      return { message: `${where} is missing required property '${String(params.missingProperty)}'`, path };
    case 'enum':
      return { message: `${where} must be one of: ${(params.allowedValues as unknown[]).map(String).join(', ')}`, path };
    case 'const':
      return { message: `${where} must be ${JSON.stringify(params.allowedValue)}`, path };
    default:
      return { message: `${where} ${error.message ?? 'is invalid'}`, path };
  }
}

/**
 * Validates data against a published schema and returns every problem, each located in
 * the source file when one is given. Problems from `anyOf`/`oneOf` branches are reduced
 * to the branch errors that explain the failure.
 */
export function schemaProblems(name: SchemaName, data: unknown, source?: SourceDocument | { file: string }): Problem[] {
  const validate = compiled[name];
  if (validate(data)) return [];
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'if');
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const error of errors) {
    const { message, path } = describe(error);
    if (seen.has(message)) continue;
    seen.add(message);
    let location: SourceLocation | undefined;
    if (source && 'locate' in source) location = source.locate(path);
    else if (source) location = { file: source.file };
    problems.push(location ? { message, location } : { message });
  }
  return problems;
}

/** Throws a ConfigurationError listing every schema violation, or returns the data typed. */
export function assertSchema<T>(name: SchemaName, data: unknown, source?: SourceDocument | { file: string }): T {
  const problems = schemaProblems(name, data, source);
  if (problems.length > 0) throw new ConfigurationError(problems);
  return data as T;
}
