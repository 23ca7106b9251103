import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createTestEngine } from '../../electron/engine/testing/test-engine.ts';
import {
  findCycles,
  forbiddenImports,
  handlerKeysOf,
  importGraph,
  importsOf,
  namespaceOffences,
  processEntriesOf,
  sourceFiles,
} from './import-graph.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');
const files = ['shared', 'electron', 'renderer'].flatMap((dir) => sourceFiles(root, dir));
const graph = importGraph(files, read);

const under = (...folders: string[]) => (file: string) => folders.some((f) => file.startsWith(`${f}/`));
const ENGINE = under('electron/engine');
const IMAGING = under('electron/imaging');
const WEIGHTS = under('electron/weights');
const ML = under('electron/training');
const MODEL_HOST = under('electron/model-host');
const TENSORFLOW = (target: string) => target.startsWith('@tensorflow/');

/**
 * Method namespaces whose engine folder has another name: a feature folder that serves several
 * namespaces. Every other namespace lives in electron/engine/<namespace>/ (or its plural/singular:
 * project.* in projects/, exports.* in export/). An entry no longer needed fails the test.
 */
export const NAMESPACE_FOLDER_EXCEPTIONS: Readonly<Record<string, string>> = {
  import: 'datasets',
  demo: 'datasets',
  eval: 'evaluation',
  explain: 'evaluation',
  predict: 'evaluation',
};

/**
 * Where each handler method is defined: the 'ns.name' keys of the engine's handler maps, in the
 * non-test files that build one (`Implementation<...>`, handler.ts). A test below checks that these
 * are exactly the methods the engine serves.
 */
function handlerDefinitions(): { method: string; file: string }[] {
  const builders = files.filter((f) => ENGINE(f) && !f.endsWith('.test.ts') && /\bImplementation</.test(read(f)));
  return builders.flatMap((file) => handlerKeysOf(read(file)).map((method) => ({ method, file })));
}

/** A made-up graph for the rules' own tests: file -> imports. */
const toy = (edges: Record<string, string[]>) => new Map(Object.entries(edges));

describe('the import scanner', () => {
  it('finds the source tree', () => {
    expect(files.length).toBeGreaterThan(20);
    expect(files).toContain('electron/engine/engine.ts');
    expect(files).toContain('electron/imaging/decode/index.ts');
    expect(files).toContain('electron/weights/safetensors.ts');
  });

  it('sees every kind of import, and the entries of the processes a file starts', () => {
    const src = `import a from 'electron';\nimport type { B } from "./b.ts";\nexport * from '../c.ts';\nconst d = await import('d');\nrequire('e');\nimport 'f';`;
    expect(importsOf(src).sort()).toEqual(['../c.ts', './b.ts', 'd', 'e', 'electron', 'f']);
    expect(processEntriesOf(`export const W = processEntry('w.mjs', 'electron/x/w.mjs');`)).toEqual(['electron/x/w.mjs']);
  });

  it('resolves relative specifiers to files, keeps packages as named, and adds process entries only when asked', () => {
    const sources: Record<string, string> = {
      'a/pool.ts': `import type { T } from './types.ts';\nimport sharp from 'sharp';\nprocessEntry('w.mjs', 'a/w.mjs');\nimport './style.css';`,
      'a/types.ts': '',
      'a/w.mjs': `await import('./pool.ts');`,
    };
    const files = Object.keys(sources);
    expect(importGraph(files, (f) => sources[f]).get('a/pool.ts')).toEqual(['a/types.ts', 'sharp']);
    expect(importGraph(files, (f) => sources[f], { processes: true }).get('a/pool.ts')).toEqual(['a/types.ts', 'sharp', 'a/w.mjs']);
  });
});

describe('rule: no import cycles in shared/, electron/, renderer/', () => {
  // Type-only imports count: a type cycle still ties two modules so that neither can move or be read
  // without the other (the views/tabs.ts cycle was type-only). Process entries count too: the import
  // pool's worker imported the pool that starts it.
  it('finds each cycle as a path a → b → a', () => {
    const cycles = findCycles(
      toy({
        'list.ts': ['a.svelte', 'b.svelte', 'leaf.ts'],
        'a.svelte': ['list.ts'],
        'b.svelte': ['list.ts', 'leaf.ts'],
        'x.ts': ['y.ts', 'node:fs'],
        'y.ts': ['z.ts'],
        'z.ts': ['x.ts'],
        'leaf.ts': [],
      }),
    );
    expect(cycles).toEqual(['a.svelte → list.ts → a.svelte', 'b.svelte → list.ts → b.svelte', 'x.ts → y.ts → z.ts → x.ts']);
    expect(findCycles(toy({ 'a.ts': ['b.ts'], 'b.ts': ['c.ts'], 'c.ts': [] }))).toEqual([]);
  });

  it('holds', () => {
    expect(findCycles(importGraph(files, read, { processes: true }))).toEqual([]);
  });
});

describe('rule: the imaging library imports neither the engine, the ML library nor the model host', () => {
  const offences = (g: Map<string, string[]>) => forbiddenImports(g, IMAGING, (t) => ENGINE(t) || ML(t) || MODEL_HOST(t));

  it('catches an import of the engine', () => {
    const g = toy({ 'electron/imaging/hash.ts': ['electron/imaging/decode/window.ts', 'electron/engine/db/database.ts'], 'electron/engine/x.ts': ['electron/imaging/hash.ts'] });
    expect(offences(g)).toEqual(['electron/imaging/hash.ts -> electron/engine/db/database.ts']);
  });

  it('holds', () => {
    expect(offences(graph)).toEqual([]);
  });
});

describe('rule: the weights library (electron/weights/) imports neither the engine, TensorFlow, the ML library nor the model host', () => {
  // Weight files, the cache, download and import serve the engine (weights.*) and the ML library
  // alike; the architectures' tensor shapes are the ML library's, so importing takes its check as an argument.
  const offences = (g: Map<string, string[]>) => forbiddenImports(g, WEIGHTS, (t) => ENGINE(t) || TENSORFLOW(t) || ML(t) || MODEL_HOST(t));

  it('catches an import of the engine, TensorFlow, the ML library or the model host', () => {
    const g = toy({
      'electron/weights/cache.ts': ['electron/engine/context.ts', 'shared/architectures/index.ts', 'electron/weights/safetensors.ts'],
      'electron/weights/safetensors.ts': ['@tensorflow/tfjs', 'node:fs'],
      'electron/weights/import-weights.ts': ['electron/training/weights/check-weights.ts', 'electron/model-host/services.ts'],
      'electron/training/weights/load-weights.ts': ['electron/weights/safetensors.ts', '@tensorflow/tfjs'],
    });
    expect(offences(g)).toEqual([
      'electron/weights/cache.ts -> electron/engine/context.ts',
      'electron/weights/safetensors.ts -> @tensorflow/tfjs',
      'electron/weights/import-weights.ts -> electron/training/weights/check-weights.ts',
      'electron/weights/import-weights.ts -> electron/model-host/services.ts',
    ]);
  });

  it('holds', () => {
    expect(offences(graph)).toEqual([]);
  });
});

describe('rule: the ML library (electron/training/) and the model host (electron/model-host/) never import the engine', () => {
  // The model host is a process of its own: it gets what it needs from the engine in its requests.
  const offences = (g: Map<string, string[]>) => forbiddenImports(g, (f) => ML(f) || MODEL_HOST(f), ENGINE);

  it('catches an import of the engine', () => {
    const g = toy({
      'electron/training/trainer/pixels.ts': ['electron/engine/datasets/decode/index.ts', 'electron/imaging/decode/index.ts'],
      'electron/model-host/plan.ts': ['electron/engine/runs/pace.ts', 'shared/contract/model-host.ts'],
    });
    expect(offences(g)).toEqual([
      'electron/training/trainer/pixels.ts -> electron/engine/datasets/decode/index.ts',
      'electron/model-host/plan.ts -> electron/engine/runs/pace.ts',
    ]);
  });

  it('holds', () => {
    expect(offences(graph)).toEqual([]);
  });
});

describe('rule: the engine never imports TensorFlow, the ML library or the model host', () => {
  // The engine starts the model host (processEntry), which is not an import: the graph here has no
  // process edges. Engine tests count (they are engine files): a test that compares the engine with
  // the ML code in-process belongs in test/contract/.
  const offences = (g: Map<string, string[]>) => forbiddenImports(g, ENGINE, (t) => TENSORFLOW(t) || ML(t) || MODEL_HOST(t));

  it('catches an engine file, or its test, importing TensorFlow, the ML library or the model host', () => {
    const g = toy({
      'electron/engine/runs/plan.ts': ['@tensorflow/tfjs', 'electron/weights/cache.ts'],
      'electron/engine/labels/handlers.ts': ['electron/training/finetune/lr.ts'],
      'electron/engine/runs/supervisor.test.ts': ['electron/model-host/train.ts', 'electron/engine/host/host-job.ts'],
      'electron/engine/export/formats.ts': ['electron/imaging/render.ts'],
    });
    expect(offences(g)).toEqual([
      'electron/engine/runs/plan.ts -> @tensorflow/tfjs',
      'electron/engine/labels/handlers.ts -> electron/training/finetune/lr.ts',
      'electron/engine/runs/supervisor.test.ts -> electron/model-host/train.ts',
    ]);
  });

  it('holds', () => {
    expect(offences(graph)).toEqual([]);
  });
});

describe("rule: only electron/main and electron/preload import 'electron'", () => {
  // 'electron/...' is also where the app's own files are: the rule means the package, not them.
  const offences = (g: Map<string, string[]>) =>
    forbiddenImports(g, (f) => !under('electron/main', 'electron/preload')(f), (t) => t === 'electron' || (t.startsWith('electron/') && !g.has(t)));

  it("catches the package imported elsewhere, and leaves imports of the app's electron/ files alone", () => {
    const g = toy({
      'electron/main/index.ts': ['electron', 'electron/engine/x.ts'],
      'electron/engine/x.ts': ['electron/imaging/hash.ts'],
      'electron/engine/y.ts': ['electron/renderer'],
      'electron/imaging/hash.ts': [],
    });
    expect(offences(g)).toEqual(['electron/engine/y.ts -> electron/renderer']);
  });

  it('holds', () => {
    expect(offences(graph)).toEqual([]);
  });
});

describe('rule: method namespaces match engine folder names', () => {
  it('catches a method outside its folder, a method defined twice, and an exception no longer needed', () => {
    const defs = [
      { method: 'labels.set', file: 'electron/engine/labels/handlers.ts' },
      { method: 'project.open', file: 'electron/engine/projects/handlers.ts' },
      { method: 'exports.start', file: 'electron/engine/export/handlers.ts' },
      { method: 'import.start', file: 'electron/engine/datasets/handlers.ts' },
      { method: 'labels.undo', file: 'electron/engine/runs/handlers.ts' },
      { method: 'labels.set', file: 'electron/engine/labels/more-handlers.ts' },
      { method: 'splits.create', file: 'electron/engine/splits/handlers.ts' },
    ];
    expect(namespaceOffences(defs, { import: 'datasets', demo: 'datasets', splits: 'splits' })).toEqual([
      'labels.undo is defined in electron/engine/runs/handlers.ts, outside electron/engine/labels/',
      'labels.set is defined twice: electron/engine/labels/handlers.ts and electron/engine/labels/more-handlers.ts',
      "exception demo -> datasets: no 'demo.*' method is defined any more; remove it",
      'exception splits -> splits: the folder names the namespace already; remove it',
    ]);
  });

  it('the scan finds exactly the methods the engine serves', async () => {
    const t = createTestEngine();
    try {
      expect(handlerDefinitions().map((d) => d.method).sort()).toEqual([...t.engine.dispatcher.methods].sort());
    } finally {
      await t.dispose();
    }
  });

  it('holds', () => {
    expect(handlerDefinitions().length).toBeGreaterThan(50);
    expect(namespaceOffences(handlerDefinitions(), NAMESPACE_FOLDER_EXCEPTIONS)).toEqual([]);
  });
});

describe('shared/ and renderer/', () => {
  it('shared/ imports nothing outside itself (no packages, no other folders)', () => {
    // Its tests (shared/metrics) run in Node under vitest and may import both; the code may not.
    const offenders = sourceFiles(root, 'shared').filter((f) => !f.endsWith('.test.ts')).flatMap((f) =>
      importsOf(read(f))
        .filter((s) => !s.startsWith('.') || relative(join(root, 'shared'), resolve(join(root, dirname(f)), s)).startsWith('..'))
        .map((s) => `${f} -> ${s}`),
    );
    expect(offenders).toEqual([]);
  });

  it('renderer/ reaches the engine only through shared/ (never electron/)', () => {
    expect(forbiddenImports(graph, under('renderer'), under('electron'))).toEqual([]);
  });

  it('engine, imaging, weights, ML and model host code never import the renderer', () => {
    expect(forbiddenImports(graph, (f) => ENGINE(f) || IMAGING(f) || WEIGHTS(f) || ML(f) || MODEL_HOST(f), under('renderer'))).toEqual([]);
  });
});

describe('rule: electron/main reaches the engine only through its process (issue 16 point 2)', () => {
  /** Engine files main may use: where the process entries are, the renderer's static files and CSP, and zod errors as sentences (its dialogs' arguments). Plain Node, no state. */
  const MAIN_MAY_USE = ['electron/engine/app-files.ts', 'electron/engine/server/csp.ts', 'electron/engine/server/static.ts', 'electron/engine/argument-errors.ts'];
  const allowed = (t: string) =>
    t === 'electron' || t === 'zod' || t.startsWith('node:') || under('shared', 'electron/main')(t) || MAIN_MAY_USE.includes(t);
  const offences = (g: Map<string, string[]>) => forbiddenImports(g, (f) => under('electron/main')(f) && !/\.test\.ts$/.test(f), (t) => !allowed(t));

  it('catches main importing the engine, a native module or TensorFlow, and leaves its tests and the allowed files alone', () => {
    const g = toy({
      'electron/main/index.ts': ['electron', 'node:path', 'electron/main/engine-relay.ts', 'electron/engine/app-files.ts', 'shared/contract/index.ts'],
      'electron/main/ipc.ts': ['electron/engine/engine.ts', 'electron/engine/dispatcher.ts'],
      'electron/main/menu.ts': ['better-sqlite3', '@tensorflow/tfjs'],
      'electron/main/ipc.test.ts': ['electron/engine/testing/test-engine.ts'],
    });
    expect(offences(g)).toEqual([
      'electron/main/ipc.ts -> electron/engine/engine.ts',
      'electron/main/ipc.ts -> electron/engine/dispatcher.ts',
      'electron/main/menu.ts -> better-sqlite3',
      'electron/main/menu.ts -> @tensorflow/tfjs',
    ]);
  });

  it('holds', () => {
    expect(offences(graph)).toEqual([]);
  });
});
