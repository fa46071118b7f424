import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The import graph of src/, as docs/architecture.md draws it: no cycles between files or
 * between rooms (the folders under src/), and no arrow from a domain room to the runner
 * (`@actions/*`) or to src/github/. Dynamic `import()` counts like a static import.
 */
const root = resolve(import.meta.dirname, '..', 'src');
/** The rooms that may know the runner and the GitHub API. */
const EDGE = new Set(['actions', 'github', 'cli-wiring']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|\bimport\(\s*(?:\/\*[^*]*\*\/\s*)?['"]([^'"]+)['"]\s*\)/g;

/** Every import specifier of a file's source, comments included out of caution. */
export function importsOf(text: string): string[] {
  return [...text.matchAll(IMPORT)].map((m) => (m[1] ?? m[2] ?? m[3]) as string);
}

/** The room of a file: its top folder under src/, or the file's name for files at the top. */
function roomOf(file: string): string {
  const [first, ...rest] = relative(root, file).split('/');
  return rest.length > 0 ? (first as string) : (first as string).replace(/\.ts$/, '');
}

interface Graph {
  files: Map<string, string[]>;
  bare: Map<string, string[]>;
}

function graph(): Graph {
  const files = new Map<string, string[]>();
  const bare = new Map<string, string[]>();
  for (const file of sourceFiles(root)) {
    const specs = importsOf(readFileSync(file, 'utf8'));
    files.set(
      file,
      specs.filter((s) => s.startsWith('.') && !s.endsWith('.json')).map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts'))),
    );
    bare.set(file, specs.filter((s) => !s.startsWith('.')));
  }
  return { files, bare };
}

/** One cycle of a directed graph as a path `a -> b -> a`, or null when there is none. */
function findCycle(edges: ReadonlyMap<string, readonly string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | null => {
    state.set(node, 'open');
    path.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === 'open') return [...path.slice(path.indexOf(next)), next];
      if (!state.has(next)) {
        const found = visit(next);
        if (found) return found;
      }
    }
    path.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of edges.keys()) {
    if (state.has(node)) continue;
    const found = visit(node);
    if (found) return found;
  }
  return null;
}

describe('architecture', () => {
  const { files, bare } = graph();

  it('reads imports of every form', () => {
    const text = [
      "import { a } from './a.js';",
      "import type { B } from '../b/b.js';",
      "export { c } from './c.js';",
      "import './side-effect.js';",
      "const d = await import(/* webpackMode: \"eager\" */ '../github/client.js');",
      "import * as core from '@actions/core';",
    ].join('\n');
    expect(importsOf(text)).toEqual(['./a.js', '../b/b.js', './c.js', './side-effect.js', '../github/client.js', '@actions/core']);
  });

  it('finds a cycle when there is one', () => {
    expect(findCycle(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]]))).toEqual(['a', 'b', 'c', 'a']);
    expect(findCycle(new Map([['a', ['b']], ['b', ['c']], ['c', []]]))).toBeNull();
  });

  it('has no import cycle between files', () => {
    expect(files.size).toBeGreaterThan(50);
    const cycle = findCycle(new Map([...files].map(([file, deps]) => [file, deps.filter((d) => files.has(d))])));
    expect(cycle?.map((f) => relative(root, f))).toBeUndefined();
  });

  it('has no import cycle between rooms', () => {
    const rooms = new Map<string, Set<string>>();
    for (const [file, deps] of files) {
      const from = roomOf(file);
      const targets = rooms.get(from) ?? new Set<string>();
      rooms.set(from, targets);
      for (const dep of deps) if (files.has(dep) && roomOf(dep) !== from) targets.add(roomOf(dep));
    }
    expect(findCycle(new Map([...rooms].map(([room, targets]) => [room, [...targets]])))).toBeNull();
  });

  it('keeps the runner and the GitHub API at the edge', () => {
    const crossings: string[] = [];
    for (const [file, deps] of files) {
      if (EDGE.has(roomOf(file))) continue;
      for (const dep of deps) if (roomOf(dep) === 'github') crossings.push(`${relative(root, file)} -> ${relative(root, dep)}`);
      for (const spec of bare.get(file) ?? []) if (spec.startsWith('@actions/')) crossings.push(`${relative(root, file)} -> ${spec}`);
    }
    expect(crossings).toEqual([]);
  });
});
