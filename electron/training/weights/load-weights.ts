import * as tf from '@tensorflow/tfjs';
import { validation } from '../../../shared/contract/errors.ts';
import type { Backbone, BackboneFamily } from '../backbones/types.ts';
import { type HostTensor, tfShapeOf, torchToTf } from './layout.ts';
import type { SafetensorsFile } from '../../weights/safetensors.ts';

/** What a load did, key by key (JSON-safe: the UI and the CLI show it). */
export interface LoadReport {
  /** Number of variables that received values from the file. */
  loaded: number;
  /** Our variables the file has no tensor for (left as initialised). */
  missing: string[];
  /** File tensors no variable takes. */
  unexpected: string[];
  /** Same name, different shape (TF.js layout on both sides). */
  mismatched: { name: string; expected: number[]; got: number[] }[];
  /** Tensors whose shape `adapt` fixed (e.g. a resampled ViT pos_embed). */
  adapted: string[];
  /** The file's classifier did not fit (another class count, or none): the fresh head was kept. */
  headReplaced: boolean;
}

export interface LoadOptions {
  /** Throw unless every non-classifier variable is loaded and nothing is left over (default true). */
  strict?: boolean;
  /**
   * Called for a non-classifier tensor whose shape differs from the variable's, with the tensor
   * already in TF.js layout; returns it reshaped to `expected` (pos_embed resampling for another
   * image size) or null to report the mismatch.
   */
  adapt?: (name: string, tensor: HostTensor, expected: number[]) => HostTensor | null | Promise<HostTensor | null>;
}

// In layout.ts, which loads no TensorFlow: check-weights.ts (weights.import in the engine) needs it too.
const MAX_LISTED = 8;

/**
 * Copy a timm state dict (safetensors, PyTorch layouts) into a backbone's variables. Names are the
 * same on both sides, so loading is a name lookup plus a layout conversion. The whole plan is made
 * from the header first, so a strict load that fails has changed nothing.
 */
export async function loadWeights(backbone: Backbone, file: SafetensorsFile, opts: LoadOptions = {}): Promise<LoadReport> {
  const isHead = (name: string) => name.startsWith(`${backbone.classifier}.`);
  const plan = planLoad(backbone, file);
  const adapted = await adaptMismatches(plan, file, opts, isHead);
  const headProblems = [...plan.missing, ...plan.unexpected, ...plan.mismatched.map((m) => m.name)].filter(isHead);
  const report: LoadReport = {
    loaded: 0,
    missing: plan.missing.filter((n) => !isHead(n)),
    unexpected: plan.unexpected.filter((n) => !isHead(n)),
    mismatched: plan.mismatched.filter((m) => !isHead(m.name)),
    adapted: [...adapted.keys()],
    headReplaced: headProblems.length > 0,
  };
  if (opts.strict !== false) assertComplete(report, file.path, backbone.arch);
  // A head that does not fit as a whole is not loaded in part (fc.bias alone would be wrong).
  const toLoad = plan.matched.filter((n) => !(report.headReplaced && isHead(n)));
  for (const name of toLoad) await assign(backbone, name, await readTf(file, name));
  for (const [name, tensor] of adapted) await assign(backbone, name, tensor);
  report.loaded = toLoad.length + adapted.size;
  return report;
}

interface Plan {
  matched: string[];
  missing: string[];
  unexpected: string[];
  mismatched: { name: string; expected: number[]; got: number[] }[];
}

function planLoad(backbone: Backbone, file: SafetensorsFile): Plan {
  const plan: Plan = { matched: [], missing: [], unexpected: [], mismatched: [] };
  for (const [name, variable] of backbone.variables) {
    const info = file.tensors.get(name);
    if (!info) {
      plan.missing.push(name);
      continue;
    }
    const got = tfShapeOf(name, info.shape);
    if (sameShape(got, variable.shape)) plan.matched.push(name);
    else plan.mismatched.push({ name, expected: [...variable.shape], got });
  }
  for (const name of file.tensors.keys()) if (!backbone.variables.has(name)) plan.unexpected.push(name);
  return plan;
}

async function adaptMismatches(plan: Plan, file: SafetensorsFile, opts: LoadOptions, isHead: (n: string) => boolean) {
  const adapted = new Map<string, HostTensor>();
  if (!opts.adapt) return adapted;
  for (const m of plan.mismatched.filter((x) => !isHead(x.name))) {
    const fixed = await opts.adapt(m.name, await readTf(file, m.name), m.expected);
    if (fixed && sameShape(fixed.shape, m.expected)) adapted.set(m.name, fixed);
  }
  plan.mismatched = plan.mismatched.filter((m) => !adapted.has(m.name));
  return adapted;
}

async function readTf(file: SafetensorsFile, name: string): Promise<HostTensor> {
  const shape = file.tensors.get(name)!.shape;
  return torchToTf(name, { shape: [...shape], data: await file.read(name) });
}

async function assign(backbone: Backbone, name: string, t: HostTensor): Promise<void> {
  const value = tf.tensor(t.data, t.shape, 'float32');
  backbone.variables.get(name)!.assign(value);
  value.dispose();
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function assertComplete(report: LoadReport, path: string, arch: string): void {
  const problems: string[] = [];
  if (report.missing.length) problems.push(`missing ${report.missing.length} (${list(report.missing)})`);
  if (report.unexpected.length) problems.push(`unexpected ${report.unexpected.length} (${list(report.unexpected)})`);
  if (report.mismatched.length) {
    const shown = report.mismatched.slice(0, MAX_LISTED).map((m) => `${m.name}: file [${m.got.join(', ')}], model [${m.expected.join(', ')}]`);
    problems.push(`wrong shape ${report.mismatched.length} (${shown.join('; ')}${report.mismatched.length > MAX_LISTED ? '; ...' : ''})`);
  }
  if (problems.length === 0) return;
  throw validation(
    `${path} does not fit ${arch}: ${problems.join(', ')}. Check that the file was saved from timm's ${arch} (same architecture and names).`,
    { missing: report.missing, unexpected: report.unexpected, mismatched: report.mismatched },
  );
}

function list(names: string[]): string {
  const shown = names.slice(0, MAX_LISTED).join(', ');
  return names.length > MAX_LISTED ? `${shown}, ... ${names.length - MAX_LISTED} more` : shown;
}
