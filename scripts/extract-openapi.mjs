#!/usr/bin/env node
// Extracts the part of GitHub's REST API description that model-gates uses into
// test/support/github-server/openapi-subset.json, for the test server to validate every
// request and response against.
//
// The full description ships in the npm package @octokit/openapi (hundreds of MB), far too
// heavy for CI, so it is installed into a temporary folder outside the repository, read,
// cut down and dropped again. Nothing is added to package.json.
//
//   node scripts/extract-openapi.mjs                 # installs the pinned version
//   node scripts/extract-openapi.mjs --version 23.0.2
//   node scripts/extract-openapi.mjs --from path/to/api.github.com.json
//
// What it keeps: the operations in OPERATIONS below (application/json bodies only), and every
// component they reference, transitively. What it changes, so that ajv reads it as JSON
// Schema: OpenAPI 3.0's `nullable: true` becomes a `null` member of `type` (or, for a schema
// without a type, `anyOf: [schema, {type: 'null'}]`); examples, descriptions and titles are
// dropped to keep the file small.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const DEFAULT_VERSION = '23.0.2';

/** `METHOD /path` of every operation the suite calls, as GitHub's description names them. */
export const OPERATIONS = [
  'GET /user',
  'GET /repos/{owner}/{repo}',
  'GET /repos/{owner}/{repo}/contents/{path}',
  'GET /repos/{owner}/{repo}/pulls',
  'GET /repos/{owner}/{repo}/pulls/{pull_number}',
  'GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews',
  'GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls',
  'GET /repos/{owner}/{repo}/issues',
  'POST /repos/{owner}/{repo}/issues',
  'GET /repos/{owner}/{repo}/issues/{issue_number}',
  'PATCH /repos/{owner}/{repo}/issues/{issue_number}',
  'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
  'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
  'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
  'DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}',
  'GET /repos/{owner}/{repo}/issues/{issue_number}/events',
  'GET /repos/{owner}/{repo}/issues/{issue_number}/labels',
  'POST /repos/{owner}/{repo}/labels',
  'GET /orgs/{org}/teams/{team_slug}/memberships/{username}',
  'POST /repos/{owner}/{repo}/statuses/{sha}',
  'GET /repos/{owner}/{repo}/commits/{ref}/statuses',
  'GET /repos/{owner}/{repo}/commits/{ref}/check-runs',
  'GET /repos/{owner}/{repo}/actions/runs',
  'GET /repos/{owner}/{repo}/actions/runs/{run_id}',
  'GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts',
  'GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}',
  'GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals',
  'GET /repos/{owner}/{repo}/deployments',
  'POST /repos/{owner}/{repo}/deployments',
  'GET /repos/{owner}/{repo}/deployments/{deployment_id}',
  'GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
  'POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
  'GET /repos/{owner}/{repo}/environments/{environment_name}/variables',
  'POST /repos/{owner}/{repo}/environments/{environment_name}/variables',
  'GET /repos/{owner}/{repo}/environments/{environment_name}/variables/{name}',
  'PATCH /repos/{owner}/{repo}/environments/{environment_name}/variables/{name}',
  'PUT /repos/{owner}/{repo}/contents/{path}',
  'GET /repos/{owner}/{repo}/releases/tags/{tag}',
  'POST /repos/{owner}/{repo}/releases',
];

/** Components kept even when no operation names them: the shape of every error body. */
const ALWAYS_KEPT = ['#/components/schemas/basic-error'];

const DROPPED_SCHEMA_KEYWORDS = new Set(['example', 'examples', 'description', 'title', 'externalDocs', 'xml']);

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outputPath = join(root, 'test/support/github-server/openapi-subset.json');

function parseArguments(argv) {
  const options = { version: DEFAULT_VERSION, from: undefined };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if ((flag === '--version' || flag === '--from') && value !== undefined) {
      options[flag.slice(2)] = value;
      i++;
    } else {
      throw new Error(`unknown argument '${flag}' (expected --version <semver> or --from <file>)`);
    }
  }
  return options;
}

/** Installs @octokit/openapi into a temporary folder and returns its api.github.com description. */
function loadDescription({ version, from }) {
  if (from) return { description: JSON.parse(readFileSync(from, 'utf8')), source: basename(from) };
  const folder = mkdtempSync(join(tmpdir(), 'octokit-openapi-'));
  try {
    process.stderr.write(`installing @octokit/openapi@${version} into a temporary folder\n`);
    execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', '--prefix', folder, `@octokit/openapi@${version}`], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const file = join(folder, 'node_modules/@octokit/openapi/generated/api.github.com.json');
    return { description: JSON.parse(readFileSync(file, 'utf8')), source: `@octokit/openapi@${version}` };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Follows a local `#/a/b` pointer inside the description. */
function resolvePointer(description, ref) {
  if (!ref.startsWith('#/')) throw new Error(`only local references are supported, got '${ref}'`);
  let node = description;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = node?.[key];
    if (node === undefined) throw new Error(`reference '${ref}' points at nothing`);
  }
  return node;
}

/** Every `$ref` string found anywhere inside `node`. */
function referencesIn(node, found = new Set()) {
  if (Array.isArray(node)) {
    for (const item of node) referencesIn(item, found);
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.add(value);
      else referencesIn(value, found);
    }
  }
  return found;
}

/**
 * Rewrites one OpenAPI 3.0 schema into plain JSON Schema: `nullable` into a `null` type,
 * and drops annotations. Property names are never touched (a property may be called
 * `description`).
 */
export function toJsonSchema(schema, counters) {
  if (Array.isArray(schema)) return schema.map((item) => toJsonSchema(item, counters));
  if (!schema || typeof schema !== 'object') return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (DROPPED_SCHEMA_KEYWORDS.has(key) || key.startsWith('x-') || key === 'nullable') continue;
    if (key === 'properties' || key === 'patternProperties') {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, toJsonSchema(sub, counters)]));
    } else if (['items', 'additionalProperties', 'not', 'allOf', 'anyOf', 'oneOf'].includes(key)) {
      out[key] = toJsonSchema(value, counters);
    } else {
      out[key] = value;
    }
  }
  if (schema.nullable !== true) return out;
  if (typeof out.type === 'string') {
    counters.typed++;
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  counters.untyped++;
  return { anyOf: [out, { type: 'null' }] };
}

/** Keeps the JSON media type of a request body or response, with its schema rewritten. */
function jsonContent(content, counters) {
  const json = content?.['application/json'];
  if (!json) return undefined;
  return { 'application/json': json.schema ? { schema: toJsonSchema(json.schema, counters) } : {} };
}

function slimParameter(parameter, counters) {
  if (parameter.$ref) return { $ref: parameter.$ref };
  const { name, in: where, required, schema } = parameter;
  return { name, in: where, ...(required ? { required } : {}), schema: toJsonSchema(schema ?? {}, counters) };
}

function slimResponse(response, counters) {
  if (response.$ref) return { $ref: response.$ref };
  const out = {};
  if (response.headers) out.headers = response.headers;
  const content = jsonContent(response.content, counters);
  if (content) out.content = content;
  return out;
}

/**
 * An error answer described as `oneOf` error shapes (409 of a contents write: basic-error or
 * repository-rule-violation-error) cannot be met: neither shape has required keys, so every
 * error body GitHub sends matches both. Such a `oneOf` is read as `anyOf`.
 */
function errorBodyAnyOf(status, response) {
  const schema = response.content?.['application/json']?.schema;
  if (Number(status) < 400 || !schema?.oneOf) return response;
  const { oneOf, ...rest } = schema;
  return { ...response, content: { 'application/json': { schema: { ...rest, anyOf: oneOf } } } };
}

function slimOperation(operation, counters) {
  const out = {
    operationId: operation.operationId,
    summary: operation.summary,
    externalDocs: operation.externalDocs ? { url: operation.externalDocs.url } : undefined,
    parameters: (operation.parameters ?? []).map((p) => slimParameter(p, counters)),
  };
  if (operation.requestBody) {
    const content = jsonContent(operation.requestBody.content, counters);
    out.requestBody = { required: operation.requestBody.required === true, ...(content ? { content } : {}) };
  }
  out.responses = Object.fromEntries(Object.entries(operation.responses).map(([status, r]) => [status, errorBodyAnyOf(status, slimResponse(r, counters))]));
  return out;
}

/** Component of any kind, cut down like the operations. */
function slimComponent(kind, component, counters) {
  switch (kind) {
    case 'schemas':
      return toJsonSchema(component, counters);
    case 'parameters':
      return slimParameter(component, counters);
    case 'responses':
      return slimResponse(component, counters);
    case 'headers':
      return { ...(component.required ? { required: true } : {}), schema: toJsonSchema(component.schema ?? {}, counters) };
    default:
      throw new Error(`unexpected component kind '${kind}'`);
  }
}

/** The subset of `description` for OPERATIONS, and how many `nullable`s were rewritten. */
export function extract(description, source) {
  const counters = { typed: 0, untyped: 0 };
  const paths = {};
  const missing = [];
  for (const entry of OPERATIONS) {
    const [method, path] = entry.split(' ');
    const operation = description.paths[path]?.[method.toLowerCase()];
    if (!operation) {
      missing.push(entry);
      continue;
    }
    paths[path] ??= {};
    paths[path][method.toLowerCase()] = slimOperation(operation, counters);
  }
  if (missing.length > 0) throw new Error(`operations not in the description:\n  ${missing.join('\n  ')}`);

  // Transitive closure over the references of the slimmed operations and components.
  const components = {};
  const pending = [...referencesIn(paths), ...ALWAYS_KEPT];
  const seen = new Set();
  while (pending.length > 0) {
    const ref = pending.pop();
    if (seen.has(ref)) continue;
    seen.add(ref);
    const [, , kind, name] = ref.split('/');
    if (!kind || !name) throw new Error(`unexpected reference '${ref}'`);
    const slim = slimComponent(kind, resolvePointer(description, ref), counters);
    components[kind] ??= {};
    components[kind][name] = slim;
    pending.push(...referencesIn(slim));
  }
  for (const kind of Object.keys(components)) {
    components[kind] = Object.fromEntries(Object.entries(components[kind]).sort(([a], [b]) => a.localeCompare(b)));
  }

  return {
    subset: {
      openapi: description.openapi,
      info: {
        title: 'GitHub REST API: the operations model-gates uses',
        version: description.info.version,
        'x-source': source,
        'x-generated-by': 'scripts/extract-openapi.mjs',
      },
      paths,
      components,
    },
    counters,
  };
}

function main() {
  const options = parseArguments(process.argv.slice(2));
  const { description, source } = loadDescription(options);
  const { subset, counters } = extract(description, source);
  const text = `${JSON.stringify(subset, null, 1)}\n`;
  writeFileSync(outputPath, text);
  const componentCounts = Object.entries(subset.components)
    .map(([kind, entries]) => `${Object.keys(entries).length} ${kind}`)
    .join(', ');
  process.stderr.write(
    `wrote ${outputPath.slice(root.length + 1)}: ${OPERATIONS.length} operations, ${componentCounts}; ` +
      `nullable rewritten: ${counters.typed} typed, ${counters.untyped} without a type; ${(text.length / 1024).toFixed(0)} KiB\n`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
