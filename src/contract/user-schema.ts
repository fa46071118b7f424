import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { errorMessage } from '../io/errors.js';
import { pointerToPath } from '../io/schema.js';
import type { PathSegment } from '../io/yaml.js';

/**
 * A separate Ajv for the schemas users write in contracts (`io.input`, `io.output`): kept
 * apart from the one holding our published schemas so that a user's `$id` can never clash
 * with ours, lenient about unknown keywords (users annotate schemas freely), and collecting
 * every error rather than the first.
 */
let ajv: Ajv | undefined;

function userAjv(): Ajv {
  if (!ajv) {
    ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true, addUsedSchema: false });
    addFormats.default(ajv);
  }
  return ajv;
}

/** One reason a value does not match a user's schema, with where inside the value. */
export interface UserSchemaError {
  /** Path inside the validated value. */
  path: PathSegment[];
  message: string;
}

/** Compiles a user's schema; the error message says why it cannot be used. */
export function compileUserSchema(schema: unknown): { validate: ValidateFunction } | { error: string } {
  try {
    return { validate: userAjv().compile(schema as object) };
  } catch (error) {
    return { error: errorMessage(error) };
  }
}

function describe(error: ErrorObject): UserSchemaError {
  const path = pointerToPath(error.instancePath);
  const where = path.length === 0 ? 'the value' : `'${path.join('.')}'`;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { path, message: `${where} is missing required property '${String(params.missingProperty)}'` };
    case 'additionalProperties':
      return { path: [...path, String(params.additionalProperty)], message: `${where} has property '${String(params.additionalProperty)}', which the schema does not allow` };
    case 'enum':
      return { path, message: `${where} must be one of: ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    default:
      return { path, message: `${where} ${error.message ?? 'is invalid'}` };
  }
}

/** Validates a value and returns every error (empty when valid). */
export function userSchemaErrors(validate: ValidateFunction, value: unknown): UserSchemaError[] {
  if (validate(value)) return [];
  return (validate.errors ?? []).filter((e) => e.keyword !== 'if').map(describe);
}
