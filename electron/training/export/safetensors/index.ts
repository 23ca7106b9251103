import type { Backbone } from '../../backbones/types.ts';
import { tfToTorch } from '../../weights/layout.ts';
import { type TensorToWrite, writeSafetensors } from '../../../weights/safetensors.ts';

/**
 * The model as a timm state dict: timm's names, PyTorch layouts, float32, and the metadata timm's
 * tools read. `timm.create_model(arch, num_classes=N)` + `load_state_dict` takes it as is
 * (BatchNorm's num_batches_tracked is not needed: load with strict=False or let timm ignore it).
 * LoRA and adapters must be merged into the backbone first.
 */
export async function exportSafetensors(model: Backbone, path: string, metadata: Record<string, string> = {}): Promise<number> {
  const tensors: TensorToWrite[] = [];
  for (const [name, v] of model.variables) {
    const torch = tfToTorch(name, { shape: [...v.shape], data: (await v.data()) as Float32Array });
    tensors.push({ name, dtype: 'F32', shape: torch.shape, data: torch.data });
  }
  tensors.sort((a, b) => a.name.localeCompare(b.name));
  await writeSafetensors(path, tensors, { format: 'pt', arch: model.arch, num_classes: String(model.numClasses), ...metadata });
  return tensors.length;
}

/** The Python lines that load an exported file into timm (for the model card). */
export function timmLoadSnippet(arch: string, numClasses: number, file = 'model.safetensors'): string {
  return [
    'import timm',
    'from safetensors.torch import load_file',
    '',
    `model = timm.create_model("${arch}", pretrained=False, num_classes=${numClasses})`,
    `missing, unexpected = model.load_state_dict(load_file("${file}"), strict=False)`,
    'assert not unexpected and all(k.endswith("num_batches_tracked") for k in missing)',
    'model.eval()',
  ].join('\n');
}
