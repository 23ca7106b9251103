/** The TF.js backends training can run on, fastest first (the backend ladder). */
export const BACKEND_RUNGS = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const;
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
  };
  wasm: { simd: boolean; threads: boolean; binary: string };
  cpu: { count: number; model: string };
  /** Loud lines the user should see first, e.g. that training would run on the CPU. */
  warnings: string[];
  /** The runtime evaluation, prediction and frozen features run on (checked by running a tiny graph), and its settings. */
  inference?: { runtime: 'onnxruntime' | 'tfjs'; detail: string };
}

export interface SystemHandlers {
  /** Which training backend this machine can use, why the faster ones are unavailable, and versions. */
  'system.doctor': (a: Record<string, never>) => Promise<DoctorReport>;
}
