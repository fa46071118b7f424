import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import subset from './openapi-subset.json' with { type: 'json' };

/**
 * GitHub's REST API description, cut down to the operations model-gates calls
 * (`scripts/extract-openapi.mjs` writes it), and the checks the test server runs with it.
 */

interface ParameterSpec {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: object;
}

interface MediaSpec {
  schema?: object;
}

interface ResponseSpec {
  content?: Record<string, MediaSpec>;
  headers?: Record<string, unknown>;
}

interface OperationSpec {
  operationId: string;
  summary?: string;
  externalDocs?: { url: string };
  parameters: ({ $ref: string } | ParameterSpec)[];
  requestBody?: { required: boolean; content?: Record<string, MediaSpec> };
  responses: Record<string, ResponseSpec | { $ref: string }>;
}

/** One REST operation of the subset, with what the router and validators need. */
export interface Operation {
  /** GitHub's operation id, such as `issues/create-comment`. */
  id: string;
  method: string;
  /** The path template, such as `/repos/{owner}/{repo}/issues/{issue_number}/comments`. */
  template: string;
  /** GitHub's documentation page of the operation, as error bodies cite it. */
  documentationUrl: string;
  parameters: ParameterSpec[];
  spec: OperationSpec;
  /** Number of literal path segments: the router prefers the most specific template. */
  literalSegments: number;
  pattern: RegExp;
  pathParameterNames: string[];
}

const document = subset as unknown as {
  paths: Record<string, Record<string, OperationSpec>>;
  components: { parameters: Record<string, ParameterSpec>; responses: Record<string, ResponseSpec> };
};

const DOCUMENT_ID = 'github-rest-subset';

function resolveLocal<T>(ref: string): T {
  const [, , kind, name] = ref.split('/');
  const found = (document.components as unknown as Record<string, Record<string, unknown>>)[kind ?? '']?.[name ?? ''];
  if (found === undefined) throw new Error(`unresolved reference ${ref} in the OpenAPI subset`);
  return found as T;
}

function templatePattern(template: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = template
    .split('/')
    .map((segment) => {
      const match = /^\{(\w+)\}$/.exec(segment);
      if (!match) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(match[1]!);
      // A file path in the contents API may contain slashes.
      return match[1] === 'path' ? '(.+)' : '([^/]+)';
    })
    .join('/');
  return { pattern: new RegExp(`^${source}$`), names };
}

export const operations: Operation[] = Object.entries(document.paths)
  .flatMap(([template, methods]) =>
    Object.entries(methods).map(([method, spec]) => {
      const { pattern, names } = templatePattern(template);
      return {
        id: spec.operationId,
        method: method.toUpperCase(),
        template,
        documentationUrl: spec.externalDocs?.url ?? 'https://docs.github.com/rest',
        parameters: spec.parameters.map((p) => ('$ref' in p ? resolveLocal<ParameterSpec>(p.$ref) : p)),
        spec,
        literalSegments: template.split('/').filter((s) => s !== '' && !s.startsWith('{')).length,
        pattern,
        pathParameterNames: names,
      };
    }),
  )
  .sort((a, b) => b.literalSegments - a.literalSegments);

export const operationsById = new Map(operations.map((operation) => [operation.id, operation]));

/** The operation a request is for, with its decoded path parameters; undefined when none. */
export function matchOperation(method: string, pathname: string): { operation: Operation; params: Record<string, string> } | undefined {
  for (const operation of operations) {
    if (operation.method !== method) continue;
    const match = operation.pattern.exec(pathname);
    if (!match) continue;
    const params: Record<string, string> = {};
    operation.pathParameterNames.forEach((name, i) => {
      params[name] = decodeURIComponent(match[i + 1]!);
    });
    return { operation, params };
  }
  return undefined;
}

// Two ajv instances: parameters arrive as strings and are coerced to their declared types
// (on a copy); bodies are checked as they are.
let bodyAjv: Ajv | undefined;
let parameterAjv: Ajv | undefined;

function makeAjv(coerce: boolean): Ajv {
  // Compile speed matters more than validation speed here: with shared definitions kept as
  // functions (inlineRefs: false) and no code optimisation, compiling every operation takes
  // about 0.6 s instead of 4 s.
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    allowUnionTypes: true,
    coerceTypes: coerce ? 'array' : false,
    validateSchema: false,
    inlineRefs: false,
    code: { optimize: false },
  });
  addFormats.default(ajv);
  ajv.addSchema(subset as object, DOCUMENT_ID);
  return ajv;
}

const compiled = new Map<string, ValidateFunction>();

function pointerEscape(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function bodyValidator(key: string, pointer: string[]): ValidateFunction {
  let validate = compiled.get(key);
  if (!validate) {
    bodyAjv ??= makeAjv(false);
    validate = bodyAjv.compile({ $ref: `${DOCUMENT_ID}#/${pointer.map(pointerEscape).join('/')}` });
    compiled.set(key, validate);
  }
  return validate;
}

function parameterValidator(operation: Operation, location: 'path' | 'query'): ValidateFunction {
  const key = `${operation.id} ${location}`;
  let validate = compiled.get(key);
  if (!validate) {
    parameterAjv ??= makeAjv(true);
    const declared = operation.parameters.filter((p) => p.in === location);
    validate = parameterAjv.compile({
      type: 'object',
      properties: Object.fromEntries(declared.map((p) => [p.name, p.schema])),
      required: declared.filter((p) => p.required).map((p) => p.name),
      additionalProperties: false,
    });
    compiled.set(key, validate);
  }
  return validate;
}

function describeErrors(errors: ErrorObject[] | null | undefined, what: string): string[] {
  return (errors ?? []).map((error) => {
    const where = `${what}${error.instancePath}`;
    const params = error.params as Record<string, unknown>;
    if (error.keyword === 'additionalProperties') return `${where} has unknown property '${String(params.additionalProperty)}'`;
    if (error.keyword === 'enum') return `${where} must be one of ${JSON.stringify(params.allowedValues)}`;
    return `${where} ${error.message ?? 'is invalid'}`;
  });
}

/**
 * Problems of a request against the operation's description: path parameters, query
 * parameters and the JSON body, where unknown query parameters and unknown top-level body
 * properties count too (GitHub ignores them; the suite must send only what it documents). Returns parameters coerced to their declared types.
 */
export function checkRequest(
  operation: Operation,
  pathParams: Record<string, string>,
  query: Record<string, string | string[]>,
  body: unknown,
): { problems: string[]; query: Record<string, unknown> } {
  const problems: string[] = [];
  const pathCopy: Record<string, unknown> = { ...pathParams };
  const validatePath = parameterValidator(operation, 'path');
  if (!validatePath(pathCopy)) problems.push(...describeErrors(validatePath.errors, 'path'));
  const queryCopy: Record<string, unknown> = { ...query };
  const validateQuery = parameterValidator(operation, 'query');
  if (!validateQuery(queryCopy)) problems.push(...describeErrors(validateQuery.errors, 'query'));

  const requestBody = operation.spec.requestBody;
  if (!requestBody) {
    if (body !== undefined) problems.push(`body: ${operation.id} takes no request body`);
  } else if (body === undefined) {
    if (requestBody.required) problems.push(`body: ${operation.id} requires a JSON body`);
  } else if (requestBody.content?.['application/json']?.schema) {
    const pointer = ['paths', operation.template, operation.method.toLowerCase(), 'requestBody', 'content', 'application/json', 'schema'];
    const validate = bodyValidator(`${operation.id} request`, pointer);
    if (!validate(body)) problems.push(...describeErrors(validate.errors, 'body'));
    // GitHub ignores body fields it does not know; for the suite that is a typo
    // (`enviroment`) that would silently change behaviour, so it counts as a violation.
    const declared = (requestBody.content['application/json'].schema as { properties?: Record<string, unknown> }).properties;
    if (declared && body !== null && typeof body === 'object' && !Array.isArray(body)) {
      for (const key of Object.keys(body)) {
        if (!(key in declared)) problems.push(`body has unknown property '${key}'`);
      }
    }
  }
  return { problems, query: queryCopy };
}

/**
 * Problems of a response against the operation's description. A status the operation does
 * not declare is allowed only for errors (4xx/5xx), whose body must then be GitHub's
 * `basic-error`; a declared status with a JSON schema has its body checked against it.
 * `body` is undefined for a response without a JSON body; a `raw` one is checked for its
 * status only.
 */
export function checkResponse(operation: Operation, status: number, body: unknown, format: 'json' | 'raw' = 'json'): string[] {
  const declared = operation.spec.responses[String(status)];
  let response: ResponseSpec | undefined;
  let pointer: string[];
  if (declared) {
    if ('$ref' in declared) {
      response = resolveLocal<ResponseSpec>(declared.$ref);
      pointer = ['components', 'responses', declared.$ref.split('/').pop()!, 'content', 'application/json', 'schema'];
    } else {
      response = declared;
      pointer = ['paths', operation.template, operation.method.toLowerCase(), 'responses', String(status), 'content', 'application/json', 'schema'];
    }
  } else if (status >= 400) {
    response = { content: { 'application/json': { schema: {} } } };
    pointer = ['components', 'schemas', 'basic-error'];
  } else {
    return [`status ${status} is not a documented response of ${operation.id} (documented: ${Object.keys(operation.spec.responses).join(', ')})`];
  }
  // A raw media type (`application/vnd.github.raw`) has no JSON schema: only the status counts.
  if (format === 'raw') return [];
  let schema = response.content?.['application/json']?.schema;
  if (!schema && status >= 400 && body !== undefined) {
    // Some documented errors (409 of create-deployment) describe no body, yet GitHub sends
    // its error body with every error: hold it to that shape.
    schema = {};
    pointer = ['components', 'schemas', 'basic-error'];
  }
  if (!schema) {
    return body === undefined ? [] : [`status ${status} of ${operation.id} has no body in the description, but one was sent`];
  }
  if (body === undefined) return [`status ${status} of ${operation.id} must have a JSON body`];
  const validate = bodyValidator(pointer.join(' '), pointer);
  return validate(body) ? [] : describeErrors(validate.errors, 'response');
}
