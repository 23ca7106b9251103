// The import graph of the app's sources and the rules layering.test.ts holds it to. Pure functions
// over a graph, so that each rule can be shown to catch a violation on a small made-up graph.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

const SOURCE = /\.(ts|mts|mjs|js|cjs|svelte)$/;

/** Source files under `dir` (relative to `root`), as root-relative paths with '/' separators. */
export function sourceFiles(root: string, dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const rel = `${dir}/${name}`;
    if (name === 'node_modules' || name === 'dist' || name === 'out') return [];
    return statSync(join(root, rel)).isDirectory() ? sourceFiles(root, rel) : SOURCE.test(name) ? [rel] : [];
  });
}

/** Every module specifier a file imports (static, dynamic, require, export-from; type-only ones too). */
export function importsOf(source: string): string[] {
  const specs = new Set<string>();
  const patterns = [
    /\bimport\s+(?:type\s+)?(?:[^'"`;]*?\sfrom\s+)?['"]([^'"]+)['"]/g,
    /\bexport\s+(?:type\s+)?(?:\*|\{[^}]*\})(?:\s+as\s+\w+)?\s+from\s+['"]([^'"]+)['"]/g,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const p of patterns) for (const m of source.matchAll(p)) specs.add(m[1]);
  return [...specs];
}

/**
 * The files a module starts as a worker thread or child process: `processEntry(bundled, source)`
 * (engine/app-files.ts) names the source entry relative to the app's root. A process a module starts
 * depends on it as surely as an import does: the import pool's cycle ran through one.
 */
export function processEntriesOf(source: string): string[] {
  return [...source.matchAll(/\bprocessEntry\(\s*['"][^'"]+['"]\s*,\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]);
}

/**
 * file -> what it imports: another file of `files` (root-relative) where a relative specifier
 * resolves to one, the bare specifier for a package ('@tensorflow/tfjs', 'node:fs'). Relative
 * specifiers that match no file (a stylesheet) are left out. With `processes`, the entries of the
 * processes and threads a file starts count as imports too (for cycles; the layering rules leave
 * them out, since starting the trainer is how the engine is meant to reach TensorFlow).
 */
export function importGraph(files: string[], read: (file: string) => string, { processes = false } = {}): Map<string, string[]> {
  const known = new Set(files);
  const resolve = (spec: string) => [spec, `${spec}.ts`, `${spec}/index.ts`].find((c) => known.has(c));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const source = read(file);
    const targets = importsOf(source).flatMap((spec) => {
      if (!spec.startsWith('.')) return [spec];
      const hit = resolve(normalize(join(dirname(file), spec)).replaceAll('\\', '/'));
      return hit ? [hit] : [];
    });
    if (processes) for (const entry of processEntriesOf(source)) if (known.has(entry)) targets.push(entry);
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Strongly connected components of more than one file (or a file importing itself), by Tarjan. */
function tangles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)?.includes(v)) out.push(component.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return out;
}

/** The shortest path start -> ... -> start inside `within`, breadth first. */
function shortestCycle(graph: Map<string, string[]>, start: string, within: Set<string>): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    for (const w of graph.get(queue[i]) ?? []) {
      if (!within.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let at = queue[i]; at !== start; at = previous.get(at)!) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!previous.has(w)) {
        previous.set(w, queue[i]);
        queue.push(w);
      }
    }
  }
  return [];
}

/**
 * Every import cycle, as 'a → b → a': for each tangle of files that import each other, the shortest
 * cycle through each of its files (so a list that imports nine views which import it back shows
 * nine cycles, not one), each cycle once.
 */
export function findCycles(graph: Map<string, string[]>): string[] {
  const cycles = new Set<string>();
  for (const component of tangles(graph)) {
    const within = new Set(component);
    for (const file of component) {
      const path = shortestCycle(graph, file, within);
      // The same cycle found from another of its files: name it from its smallest file.
      const ring = path.slice(0, -1);
      const first = ring.indexOf([...ring].sort()[0]);
      const rotated = [...ring.slice(first), ...ring.slice(0, first)];
      cycles.add([...rotated, rotated[0]].join(' → '));
    }
  }
  return [...cycles].sort();
}

/** 'file -> target' for every import of a file under `from` that `forbidden` refuses. */
export function forbiddenImports(graph: Map<string, string[]>, from: (file: string) => boolean, forbidden: (target: string) => boolean): string[] {
  return [...graph].flatMap(([file, targets]) => (from(file) ? targets.filter(forbidden).map((t) => `${file} -> ${t}`) : []));
}

/** Handler methods defined in a file: the quoted 'namespace.name' keys of its handler maps. */
export function handlerKeysOf(source: string): string[] {
  return [...source.matchAll(/^\s*'([a-z]+\.[a-zA-Z]+)'\s*:/gm)].map((m) => m[1]);
}

/** Does engine folder `folder` carry namespace `ns`'s name: the same word, or its plural or singular (project/projects, exports/export)? */
export const folderNamesNamespace = (folder: string, ns: string): boolean => folder === ns || folder === `${ns}s` || `${folder}s` === ns;

/**
 * Methods defined outside the engine folder their namespace names (electron/engine/<folder>/...),
 * methods defined twice, and exceptions that are no longer needed. `exceptions` maps a namespace to
 * the folder it lives in where the names differ.
 */
export function namespaceOffences(definitions: { method: string; file: string }[], exceptions: Readonly<Record<string, string>>): string[] {
  const out: string[] = [];
  const seen = new Map<string, string>();
  const used = new Set<string>();
  for (const { method, file } of definitions) {
    const ns = method.split('.')[0];
    const folder = /^electron\/engine\/([^/]+)\//.exec(file)?.[1] ?? '';
    if (seen.has(method)) out.push(`${method} is defined twice: ${seen.get(method)} and ${file}`);
    seen.set(method, file);
    if (exceptions[ns] !== undefined) used.add(ns);
    const ok = exceptions[ns] !== undefined ? exceptions[ns] === folder : folderNamesNamespace(folder, ns);
    if (!ok) out.push(`${method} is defined in ${file}, outside electron/engine/${exceptions[ns] ?? ns}/`);
  }
  for (const [ns, folder] of Object.entries(exceptions)) {
    if (!used.has(ns)) out.push(`exception ${ns} -> ${folder}: no '${ns}.*' method is defined any more; remove it`);
    else if (folderNamesNamespace(folder, ns)) out.push(`exception ${ns} -> ${folder}: the folder names the namespace already; remove it`);
  }
  return out;
}
