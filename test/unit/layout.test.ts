/**
 * The shape of the source (STYLE.md, "Small files, one job each"): no file over 350 lines in any
 * package's `src` or the server's, no import circle in any package (type-only imports count: a
 * circle of types is still a circle to read), and core's public types import only types.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { repoRoot as findRepoRoot } from '../helpers/repo.js';

const repoRoot = findRepoRoot();

const MAX_LINES = 350;
const roots = [...readdirSync(join(repoRoot, 'packages')).map((name) => join('packages', name, 'src')), join('server', 'src')];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** The files a file imports (relative imports only: the package's own), resolved to .ts paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g)].map((m) => m[1] ?? m[2]!);
  return specifiers.map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')));
}

/** Every import circle in a graph, each once (Tarjan's strongly connected components). */
function circles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    indexOf.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indexOf.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, indexOf.get(next)!));
      }
    }
    if (low.get(node) !== indexOf.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component);
  };
  for (const node of graph.keys()) if (!indexOf.has(node)) visit(node);
  return found;
}

describe.each(roots)('%s', (root) => {
  const files = sourceFiles(join(repoRoot, root));

  test(`no file over ${MAX_LINES} lines`, () => {
    const long = files.map((file) => ({ file: relative(repoRoot, file), lines: readFileSync(file, 'utf8').split('\n').length - 1 })).filter((f) => f.lines > MAX_LINES);
    expect(long).toEqual([]);
  });

  test('no import circle', () => {
    const graph = new Map(files.map((file) => [file, importsOf(file)]));
    const found = circles(graph).map((component) => component.map((file) => relative(repoRoot, file)).sort());
    expect(found).toEqual([]);
  });
});

test("core's public types import only types, from files of types", () => {
  const file = join(repoRoot, 'packages/core/src/types.ts');
  const text = readFileSync(file, 'utf8');
  const imports = [...text.matchAll(/^import\b(.*?)from\s+'([^']+)'/gms)];
  expect(imports.length).toBeGreaterThan(0);
  for (const [, clause, from] of imports) {
    expect(clause!.trim().startsWith('type '), `${from} is imported as a type`).toBe(true);
    expect(from, 'a file of types').toMatch(/(^|\/)types\.js$/);
  }
});

/** Core's floors, bottom up (packages/core/README.md): a file imports only from its own floor or below. */
const CORE_FLOORS: Array<[number, RegExp]> = [
  [0, /^(types|stats-types|paths\/types|media\/types|lanes\/types)\.ts$/],
  [1, /^(errors|emitter|unheard|ranges)\.ts$/],
  [2, /^wire\//],
  [3, /^(paths|media|lanes)\//],
  [4, /^link\//],
  [5, /^(index|node)\.ts$/],
];

test("core's imports run down its floors: link, then paths, media and lanes, then wire, then the types", () => {
  const src = join(repoRoot, 'packages/core/src');
  const floorOf = (file: string): number => {
    const path = relative(src, file);
    const floor = CORE_FLOORS.find(([, pattern]) => pattern.test(path));
    if (floor === undefined) throw new Error(`${path} is on no floor: add it to CORE_FLOORS and the core README`);
    return floor[0];
  };
  const upward = sourceFiles(src).flatMap((file) => importsOf(file).filter((target) => floorOf(target) > floorOf(file)).map((target) => `${relative(src, file)} → ${relative(src, target)}`));
  expect(upward).toEqual([]);
});

test('the circle finder finds a circle (so an empty list means none)', () => {
  expect(circles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual([['c', 'b', 'a']]);
});
