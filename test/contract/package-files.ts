import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// @electron/asar comes with electron-builder (it writes the archive these helpers read); loaded
// untyped, as electron-builder-config.test.ts loads js-yaml, so the test needs no extra package.
const require = createRequire(import.meta.url);
interface AsarEntry {
  files?: Record<string, AsarEntry>;
  size?: number;
  unpacked?: boolean;
  link?: string;
}
const asar = require('@electron/asar') as {
  getRawHeader(archive: string): { header: AsarEntry };
  extractAll(archive: string, dest: string): void;
};
const fuses = require('@electron/fuses') as { FuseV1Options: Record<string, number | string> };

/** The fuse sentinel of Electron binaries, after which @electron/fuses finds the fuse wire. */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const FUSE_ENABLE = 0x31;
const FUSE_DISABLE = 0x30;

/**
 * A stand-in for Electron's linux-x64 zip, unpacked: electron-builder's `electronDist` copies it
 * instead of downloading Electron. The `electron` file is a shell script that carries the fuse wire
 * of a real binary (version 1, one byte per fuse, Electron's defaults), so that electron-builder's
 * fuse step runs as it would on the real one and the test can read what it flipped.
 */
export function writeStandInElectron(dir: string): void {
  const wireLength = Object.keys(fuses.FuseV1Options).filter((k) => Number.isNaN(Number(k))).length;
  const defaults = Array.from({ length: wireLength }, (_, i) => (i === 0 || i === 2 || i === 3 || i === 7 ? FUSE_ENABLE : FUSE_DISABLE));
  mkdirSync(join(dir, 'resources'), { recursive: true });
  const script = Buffer.from('#!/bin/sh\necho "stand-in Electron: the package test never runs it" >&2\nexit 1\n# ');
  writeFileSync(join(dir, 'electron'), Buffer.concat([script, Buffer.from(FUSE_SENTINEL), Buffer.from([1, wireLength, ...defaults]), Buffer.from('\n')]), { mode: 0o755 });
  writeFileSync(join(dir, 'LICENSE'), 'Stand-in for the Electron distribution.\n');
  writeFileSync(join(dir, 'version'), '0.0.0-stand-in\n');
}

/** The fuses set in an Electron executable, by @electron/fuses' option name (RunAsNode, ...). */
export function readFuses(executable: string): Record<string, boolean> {
  const bytes = readFileSync(executable);
  const at = bytes.indexOf(FUSE_SENTINEL);
  if (at < 0) throw new Error(`${executable} has no fuse wire`);
  const wire = at + FUSE_SENTINEL.length;
  const fuseStates: Record<string, boolean> = {};
  for (let i = 0; i < bytes[wire + 1]; i++) fuseStates[String(fuses.FuseV1Options[i])] = bytes[wire + 2 + i] === FUSE_ENABLE;
  return fuseStates;
}

export interface PackedFile {
  size: number;
  /** In app.asar.unpacked/ on disk (native binaries, wasm) rather than inside the archive. */
  unpacked: boolean;
}

/** Every file of resources/app.asar, by its path inside the archive (unpacked ones included). */
export function asarFiles(archive: string): Map<string, PackedFile> {
  const files = new Map<string, PackedFile>();
  const walk = (entry: AsarEntry, prefix: string) => {
    for (const [name, child] of Object.entries(entry.files ?? {})) {
      const path = prefix ? `${prefix}/${name}` : name;
      if (child.files) walk(child, path);
      else files.set(path, { size: child.size ?? 0, unpacked: child.unpacked === true });
    }
  };
  walk(asar.getRawHeader(archive).header, '');
  return files;
}

/** Writes the archive out as a plain folder, its unpacked files included, for Node to run from. */
export function extractAsar(archive: string, dest: string): void {
  asar.extractAll(archive, dest);
}

/** The package names under node_modules/ in a list of paths (nested node_modules included). */
export function packageNames(paths: Iterable<string>): Set<string> {
  const names = new Set<string>();
  for (const path of paths) {
    for (const m of path.matchAll(/(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//g)) names.add(m[1]);
  }
  return names;
}

interface Manifest {
  name: string;
  main?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** The folder Node would load `name` from, seen from `fromDir` inside the checkout `root`. */
function installedAt(name: string, fromDir: string, root: string): string | null {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root || dirname(dir) === dir) return null;
  }
}

/**
 * The installed packages `names` and everything they depend on (dependencies and the optional ones
 * that are installed), as npm laid them out under `root`: what a package could need at run time.
 */
export function dependencyClosure(root: string, names: string[]): Set<string> {
  const found = new Set<string>();
  const seen = new Set<string>();
  const queue = names.map((name) => ({ name, from: root }));
  while (queue.length > 0) {
    const { name, from } = queue.pop()!;
    const dir = installedAt(name, from, root);
    if (!dir || seen.has(dir)) continue;
    seen.add(dir);
    found.add(name);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
    for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) queue.push({ name: dep, from: dir });
  }
  return found;
}

/** Whether a package name matches one of electron/build.mjs EXTERNALS ('@img/*' style included). */
export function isExternal(name: string, externals: string[]): boolean {
  return externals.some((e) => (e.endsWith('/*') ? name.startsWith(e.slice(0, -1)) : name === e));
}

/** ELF machine numbers of the architectures a Linux package may be built for. */
const ELF_MACHINES: Record<string, number> = { x64: 62, arm64: 183 };

export type BinaryKind = 'not-binary' | 'mach-o' | 'pe' | 'wasm' | `elf-${string}`;

/** What kind of binary a file is, from its first bytes: ELF with its architecture, Mach-O, PE (Windows), wasm. */
export function binaryKind(file: string): BinaryKind {
  const head = Buffer.alloc(20);
  const fd = openSync(file, 'r');
  const n = readSync(fd, head, 0, 20, 0);
  closeSync(fd);
  if (n >= 20 && head.readUInt32BE(0) === 0x7f454c46) {
    const machine = head.readUInt16LE(18);
    return `elf-${Object.keys(ELF_MACHINES).find((arch) => ELF_MACHINES[arch] === machine) ?? `machine-${machine}`}`;
  }
  if (n >= 4 && [0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe].includes(head.readUInt32BE(0))) return 'mach-o';
  if (n >= 2 && head.toString('latin1', 0, 2) === 'MZ') return 'pe';
  if (n >= 4 && head.readUInt32BE(0) === 0x0061736d) return 'wasm';
  return 'not-binary';
}
