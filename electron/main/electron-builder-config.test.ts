import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

// js-yaml and minimatch come with electron-builder (which uses the same minimatch for these globs);
// loaded untyped on purpose so the test needs no extra @types package.
const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(text: string): unknown };
const { minimatch } = require('minimatch') as { minimatch(path: string, pattern: string, o?: object): boolean };

interface BuilderConfig {
  appId: string;
  productName: string;
  npmRebuild: boolean;
  beforePack: string;
  directories: { output: string };
  files: string[];
  asarUnpack: string[];
  linux: { target: string[]; files?: unknown };
  mac: { target: string[]; files?: unknown };
  win: { target: string[]; files?: unknown };
  electronFuses?: Record<string, boolean>;
}

const config = yaml.load(readFileSync(new URL('../../electron-builder.yml', import.meta.url), 'utf8')) as BuilderConfig;
const unpacked = (path: string) => config.asarUnpack.some((p) => minimatch(path, p, { dot: true }));
const included = (path: string) => {
  // electron-builder semantics: later patterns win; a '!' pattern excludes.
  let keep = false;
  for (const p of config.files) {
    if (p.startsWith('!')) {
      if (minimatch(path, p.slice(1), { dot: true })) keep = false;
    } else if (minimatch(path, p, { dot: true })) keep = true;
  }
  return keep;
};

describe('electron-builder.yml', () => {
  it('names the app; packs the Electron build of better-sqlite3 kept beside the Node one, rebuilding nothing in place', () => {
    expect(config.appId).toBe('org.labeltune.app');
    expect(config.productName).toBe('LabelTune');
    expect(config.npmRebuild).toBe(false);
    expect(config.beforePack).toBe('./electron/sqlite-for-electron.mjs');
    expect(unpacked('node_modules/better-sqlite3/lib/binding/electron-v145-linux-x64/better_sqlite3.node')).toBe(true);
    expect(included('node_modules/better-sqlite3/lib/binding/electron-v145-linux-x64/better_sqlite3.node')).toBe(true);
    expect(config.directories.output).toBe('dist/');
  });

  it('flips the Electron fuses that close what the app does not use', () => {
    expect(config.electronFuses).toMatchObject({
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      enableCookieEncryption: true,
    });
  });

  it('keeps ELECTRON_RUN_AS_NODE only while the model host is started with child_process.fork, which needs it', () => {
    const trainer = readFileSync(new URL('../engine/host/host-process.ts', import.meta.url), 'utf8');
    const forksWithNode = /from 'node:child_process'/.test(trainer) && /\bfork\(/.test(trainer);
    expect(config.electronFuses?.runAsNode).toBe(forksWithNode);
  });

  it('builds AppImage + deb, dmg and nsis', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
  });

  it('filters files at the top level only: a platform section\'s own files would replace the app folder\'s patterns, and the whole checkout would be packed', () => {
    expect([config.linux.files, config.mac.files, config.win.files]).toEqual([undefined, undefined, undefined]);
  });

  it('unpacks native addons and wasm from the asar', () => {
    expect(unpacked('node_modules/better-sqlite3/build/Release/better_sqlite3.node')).toBe(true);
    expect(unpacked('node_modules/sharp/lib/index.js')).toBe(true);
    expect(unpacked('node_modules/@img/sharp-linux-x64/lib/sharp-linux-x64-0.35.5.node')).toBe(true);
    expect(unpacked('node_modules/@img/sharp-libvips-linux-x64/lib/libvips-cpp.so.8.18.7')).toBe(true);
    expect(unpacked('node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node')).toBe(true);
    expect(unpacked('node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm')).toBe(true);
    expect(unpacked('node_modules/zod/index.js')).toBe(false);
  });

  it('ships the bundles and the renderer but not build leftovers or native sources', () => {
    expect(included('out/main/index.mjs')).toBe(true);
    expect(included('out/main/migrations/001-init.sql')).toBe(true);
    expect(included('out/preload/index.cjs')).toBe(true);
    expect(included('renderer/dist/index.html')).toBe(true);
    expect(included('node_modules/better-sqlite3/build/Release/better_sqlite3.node')).toBe(true);
    expect(included('node_modules/better-sqlite3/build/Release/obj.target/better_sqlite3.node')).toBe(false);
    expect(included('node_modules/better-sqlite3/build/Release/obj/gen/x.o')).toBe(false);
    expect(included('node_modules/better-sqlite3/deps/sqlite3/sqlite3.c')).toBe(false);
    expect(included('node_modules/better-sqlite3/src/better_sqlite3.cpp')).toBe(false);
    expect(included('electron/engine/engine.ts')).toBe(false);
  });
});
