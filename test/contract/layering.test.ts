import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SOURCE = /\.(ts|mts|mjs|js|cjs|svelte)$/;

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const rel = join(dir, name);
    if (name === 'node_modules' || name === 'dist' || name === 'out') return [];
    return statSync(join(root, rel)).isDirectory() ? sourceFiles(rel) : SOURCE.test(name) ? [rel] : [];
  });
}

/** Every module specifier a file imports (static, dynamic, require, export-from). */
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

const files = [...sourceFiles('shared'), ...sourceFiles('electron'), ...sourceFiles('renderer')];

describe('layering', () => {
  it('finds the source tree', () => {
    expect(files.length).toBeGreaterThan(20);
    expect(files).toContain('electron/engine/engine.ts');
  });

  it('the import scanner sees every kind of import', () => {
    const src = `import a from 'electron';\nimport type { B } from "./b.ts";\nexport * from '../c.ts';\nconst d = await import('d');\nrequire('e');\nimport 'f';`;
    expect(importsOf(src).sort()).toEqual(['../c.ts', './b.ts', 'd', 'e', 'electron', 'f']);
  });

  it("only electron/main and electron/preload import 'electron'", () => {
    const offenders = files.filter(
      (f) => !/^electron\/(main|preload)\//.test(f) && importsOf(readFileSync(join(root, f), 'utf8')).some((s) => s === 'electron' || s.startsWith('electron/')),
    );
    expect(offenders).toEqual([]);
  });

  it('shared/ imports nothing outside itself (no packages, no other folders)', () => {
    // Its tests (shared/metrics) run in Node under vitest and may import both; the code may not.
    const offenders = sourceFiles('shared').filter((f) => !f.endsWith('.test.ts')).flatMap((f) =>
      importsOf(readFileSync(join(root, f), 'utf8'))
        .filter((s) => !s.startsWith('.') || relative(join(root, 'shared'), resolve(join(root, dirname(f)), s)).startsWith('..'))
        .map((s) => `${f} -> ${s}`),
    );
    expect(offenders).toEqual([]);
  });

  it('renderer/ reaches the engine only through shared/ (never electron/)', () => {
    const offenders = sourceFiles('renderer').flatMap((f) =>
      importsOf(readFileSync(join(root, f), 'utf8'))
        .filter((s) => s.startsWith('.') && relative(root, resolve(join(root, dirname(f)), s)).startsWith('electron'))
        .map((s) => `${f} -> ${s}`),
    );
    expect(offenders).toEqual([]);
  });

  it('engine and training code never import the renderer', () => {
    const offenders = [...sourceFiles('electron/engine'), ...sourceFiles('electron/training')].flatMap((f) =>
      importsOf(readFileSync(join(root, f), 'utf8'))
        .filter((s) => s.startsWith('.') && relative(root, resolve(join(root, dirname(f)), s)).startsWith('renderer'))
        .map((s) => `${f} -> ${s}`),
    );
    expect(offenders).toEqual([]);
  });
});
