import { LineCounter, isMap, isNode, isSeq, isScalar, parseDocument, type Document, type Node } from 'yaml';
import { ConfigurationError, isNodeError, type Problem, type SourceLocation } from './errors.js';
import { readTextFile } from './text.js';

export type PathSegment = string | number;

/** A parsed YAML (or JSON) file that can say on which line any value sits. */
export interface SourceDocument {
  readonly file: string;
  readonly data: unknown;
  /**
   * Location of the value at `path`. When the path does not exist (a missing
   * property), the deepest existing ancestor is located instead.
   */
  locate(path: readonly PathSegment[]): SourceLocation;
}

/** Parses YAML text. Every syntax error is reported with its line, not only the first. */
export function parseYaml(text: string, file: string): SourceDocument {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problems: Problem[] = doc.errors.map((error) => {
    const pos = lineCounter.linePos(error.pos[0]);
    return { message: error.message.split('\n')[0] ?? error.message, location: { file, line: pos.line, column: pos.col } };
  });
  if (problems.length > 0) throw new ConfigurationError(problems);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new ConfigurationError(`cannot read YAML: ${error instanceof Error ? error.message : String(error)}`, { file });
  }
  return { file, data, locate: (path) => locateIn(doc, lineCounter, file, path) };
}

/** Reads and parses a YAML file; a missing file is a configuration error that names it. */
export async function readYamlFile(file: string, what = 'file'): Promise<SourceDocument> {
  let text: string;
  try {
    text = await readTextFile(file);
  } catch (error) {
    if (isNodeError(error, 'ENOENT')) throw new ConfigurationError(`${what} not found`, { file });
    if (isNodeError(error, 'EISDIR')) throw new ConfigurationError(`${what} is a directory, expected a file`, { file });
    throw error;
  }
  return parseYaml(text, file);
}

function locateIn(doc: Document, lineCounter: LineCounter, file: string, path: readonly PathSegment[]): SourceLocation {
  let node: unknown = doc.contents;
  let found: Node | undefined = isNode(node) ? node : undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      // Point at the key: that is the line a user looks for.
      if (isNode(pair.key)) found = pair.key;
      node = pair.value;
      if (isNode(node) && !isMap(node) && !isSeq(node)) found = node;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (!isNode(item)) break;
      found = item;
      node = item;
    } else {
      break;
    }
  }
  const offset = found?.range?.[0];
  if (offset === undefined) return { file, line: 1 };
  const pos = lineCounter.linePos(offset);
  return { file, line: pos.line, column: pos.col };
}
