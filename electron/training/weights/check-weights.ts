import { validation } from '../../../shared/contract/errors.ts';
import { type PretrainedConfig, pretrainedConfig } from '../backbones/pretrained.ts';
import { tfShapeOf } from './layout.ts';
import { FLOAT_DTYPES, SafetensorsFile } from '../../weights/safetensors.ts';
import { findNonFinite } from '../backbones/finite.ts';
import { backboneLayout } from '../backbones/configs.ts';

const MAX_LISTED = 8;

/**
 * Everything a later `--pretrained` run needs from a weights file, checked before it may enter the
 * cache: every tensor of `arch` present with timm's shape and a float dtype, nothing else beside
 * them, and every value finite. The classifier is optional (fine-tuning replaces it) but must be
 * finite too. Throws `validation` naming the file, the tensor and the fix.
 */
export async function checkWeightsFile(path: string, arch: string): Promise<void> {
  const cfg = pretrainedConfig(arch);
  const file = await SafetensorsFile.open(path);
  try {
    const expected = bodyShapes(arch, cfg);
    checkIdentity(file, arch, cfg, expected);
    checkTensors(file, arch, expected, `${cfg.classifier}.`);
    await checkFinite(file, arch);
  } finally {
    await file.close();
  }
}

function checkIdentity(file: SafetensorsFile, arch: string, cfg: PretrainedConfig, expected: Map<string, number[]>): void {
  // The layout's first tensor is the stem's (conv1.weight, patch_embed.proj.weight): every
  // checkpoint of the family has it, a file of another family does not.
  const marker = expected.keys().next().value!;
  if (!file.tensors.has(marker)) {
    throw validation(`${file.path} does not look like ${arch} weights (it has no "${marker}" tensor). Choose the architecture the file was saved from.`);
  }
  // The classifier's input width is the feature width: it tells resnet18 from resnet50, vit_tiny from vit_base.
  const width = file.tensors.get(`${cfg.classifier}.weight`)?.shape[1] ?? file.tensors.get('cls_token')?.shape[2];
  if (width !== undefined && width !== cfg.featureDim) {
    throw validation(`${file.path} has ${width}-wide features but ${arch} has ${cfg.featureDim}: the file is for another architecture.`);
  }
  const saved = file.metadata.arch;
  if (saved && saved !== arch) throw validation(`${file.path} was saved from ${saved}, not ${arch}. Import it with --arch ${saved}.`);
}

/** The TF.js shape of every variable of `arch` without its classifier, from its layout: no model built, no TensorFlow loaded. */
function bodyShapes(arch: string, cfg: PretrainedConfig): Map<string, number[]> {
  const layout = backboneLayout(arch, { numClasses: 0, imageSize: cfg.inputSize });
  return new Map([...layout.shapes].map(([name, shape]) => [name, [...shape]]));
}

function checkTensors(file: SafetensorsFile, arch: string, expected: Map<string, number[]>, headPrefix: string): void {
  const fix = `Export the complete state dict of timm's ${arch} again, or download it with "labeltune weights download ${arch}".`;
  const missing = [...expected.keys()].filter((n) => !file.tensors.has(n));
  if (missing.length) throw validation(`${file.path} is missing ${missing.length} tensor(s) of ${arch}: ${list(missing)}. ${fix}`);
  const unexpected = [...file.tensors.keys()].filter((n) => !expected.has(n) && !n.startsWith(headPrefix));
  if (unexpected.length) throw validation(`${file.path} has ${unexpected.length} tensor(s) that ${arch} does not have: ${list(unexpected)}. ${fix}`);
  for (const [name, shape] of expected) {
    const info = file.tensors.get(name)!;
    if (tfShapeOf(name, info.shape).join('x') !== shape.join('x')) {
      throw validation(`${file.path}: tensor "${name}" has shape [${info.shape.join(', ')}] but ${arch} needs [${torchShape(name, shape).join(', ')}] (PyTorch layout). ${fix}`);
    }
  }
  for (const info of file.tensors.values()) {
    if (!FLOAT_DTYPES.has(info.dtype)) {
      throw validation(`${file.path}: tensor "${info.name}" has dtype ${info.dtype}, but weights must be F32, F16, BF16 or F64. Save the state dict with its floating-point tensors only.`);
    }
  }
}

async function checkFinite(file: SafetensorsFile, arch: string): Promise<void> {
  for (const name of file.tensors.keys()) {
    const data = await file.read(name);
    const { count, first } = findNonFinite(data);
    if (count) {
      throw validation(
        `${file.path}: tensor "${name}" has ${count} NaN/Inf value(s) of ${data.length} (first at index ${first}): the file is damaged or was saved from a diverged training. Download the weights again with "labeltune weights download ${arch}" or export them again from PyTorch.`,
      );
    }
  }
}

/** TF.js layout back to PyTorch's, for messages (the inverse of tfShapeOf). */
function torchShape(name: string, tfShape: number[]): number[] {
  if (!name.endsWith('.weight')) return tfShape;
  if (tfShape.length === 4) return [tfShape[3], tfShape[2], tfShape[0], tfShape[1]];
  if (tfShape.length === 2) return [tfShape[1], tfShape[0]];
  return tfShape;
}

function list(names: string[]): string {
  const shown = names.slice(0, MAX_LISTED).join(', ');
  return names.length > MAX_LISTED ? `${shown}, ... ${names.length - MAX_LISTED} more` : shown;
}
