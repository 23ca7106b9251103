/** The TF.js backends training can run on, fastest first (the backend ladder). */
export const BACKEND_RUNGS = ['tfjs-node-gpu', 'webgpu', 'tfjs-node', 'wasm', 'cpu'] as const;
export type BackendRung = (typeof BACKEND_RUNGS)[number];

export function isBackendRung(x: unknown): x is BackendRung {
  return typeof x === 'string' && (BACKEND_RUNGS as readonly string[]).includes(x);
}

/** Whether one rung of the ladder can be used here, and if not, exactly why. */
export interface RungStatus {
  rung: BackendRung;
  ok: boolean;
  /** Why the rung cannot be used (or what it runs on when it can), in words a user can act on. */
  reason: string;
  /** The WebGPU adapter Dawn offered (webgpu rung only), also when it was not taken. */
  adapter?: WebGpuAdapter;
}

/** What Dawn says about the GPU it would train on, as the run record and `labeltune doctor` show it. */
export interface WebGpuAdapter {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** The native API Dawn drives: Vulkan, Metal or D3D12. */
  backend: string;
  /** Emulated on the CPU (SwiftShader, llvmpipe, WARP, or Dawn's fallback adapter): slower than wasm. */
  software: boolean;
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
  features: { shaderF16: boolean };
}

export interface DoctorReport {
  /** The rung training would use now (LABELTUNE_BACKEND honoured), or null if that rung is unavailable. */
  chosen: BackendRung | null;
  /** LABELTUNE_BACKEND's value when set. */
  override: string | null;
  /** Every rung, fastest first. */
  rungs: RungStatus[];
  versions: {
    node: string;
    tfjs: string;
    tfjsBackendWasm: string;
    /** Installed optional native backends (null when not installed). */
    tfjsNode: string | null;
    tfjsNodeGpu: string | null;
    /** Dawn's Node binding and TF.js's WebGPU backend (null when not installed). */
    webgpu: string | null;
    tfjsBackendWebgpu: string | null;
  };
  wasm: { simd: boolean; threads: boolean; binary: string };
  cpu: { count: number; model: string };
  /** Loud lines the user should see first, e.g. that training would run on the CPU. */
  warnings: string[];
  /** The runtime evaluation, prediction and frozen features run on (checked by running a tiny graph), and its settings. */
  inference?: { runtime: 'onnxruntime' | 'tfjs'; detail: string };
}

/** A sub-folder of the folder being browsed, with what is directly inside it. */
export interface BrowseFolder {
  name: string;
  /** Absolute path on the engine's machine. */
  path: string;
  /** Image files directly inside it; null when it cannot be read (permissions) or was not counted (very many folders). */
  images: number | null;
  /** Sub-folders directly inside it (hidden ones left out unless asked for); null as for `images`. */
  folders: number | null;
}

/** An image file of the folder being browsed (by its name: import itself reads the content). */
export interface BrowseFile {
  name: string;
  path: string;
  size: number;
}

/** One folder of the engine's machine, as the path browser shows it. */
export interface BrowseListing {
  /** The folder listed, absolute and resolved (`~` and `..` gone). */
  dir: string;
  /** Its parent; null at the root of the file system. */
  parent: string | null;
  /** The engine user's home folder, where browsing starts. */
  home: string;
  /** Sub-folders, sorted by name. */
  folders: BrowseFolder[];
  /** Image files, sorted by name. */
  images: BrowseFile[];
  /** Files that are not images by their name: not offered, only counted. */
  otherFiles: number;
  /** Entries left out because their name starts with a dot (0 when `hidden` was asked for). */
  hidden: number;
}

export interface SystemHandlers {
  /** Which training backend this machine can use, why the faster ones are unavailable, and versions. */
  'system.doctor': (a: Record<string, never>) => Promise<DoctorReport>;
  /** A folder of the engine's machine (default: the home folder): its sub-folders and image files, for the path browser of browser mode. */
  'system.browse': (a: { dir?: string; hidden?: boolean }) => Promise<BrowseListing>;
}
