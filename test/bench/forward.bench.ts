import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { selectBackend } from '../../electron/training/backends/ladder.ts';
import { createBackbone } from '../../electron/training/backbones/registry.ts';

/**
 * Forward (inference, eval mode) throughput of resnet50 and vit_small_patch16_224 at 224 px,
 * batch 8, on the best backend this machine has; and, when Debian's python3-torch is installed,
 * the same architectures and batch in PyTorch CPU in the same run, with the ratio.
 * Run alone: `npm run bench forward`.
 */

const ARCHS = ['resnet50', 'vit_small_patch16_224'] as const;
const BATCH = 8;
const SIZE = 224;
const ITERATIONS = 3;

export interface ForwardBenchResult {
  arch: string;
  backend: string;
  imagesPerSecond: number;
  msPerBatch: number;
  torchImagesPerSecond?: number;
}

function timeForward(arch: string): number {
  const model = createBackbone(arch, { numClasses: 1000, imageSize: SIZE });
  const x = tf.randomNormal([BATCH, SIZE, SIZE, 3]) as tf.Tensor4D;
  try {
    model.forward(x).dispose(); // warm-up: kernels, XNNPACK packing
    const t0 = performance.now();
    for (let i = 0; i < ITERATIONS; i++) {
      const y = model.forward(x);
      y.dataSync();
      y.dispose();
    }
    return (performance.now() - t0) / ITERATIONS;
  } finally {
    x.dispose();
    model.dispose();
  }
}

export async function forwardThroughput(): Promise<ForwardBenchResult[]> {
  const { backend } = await selectBackend({ log: () => {} });
  const torch = torchThroughput();
  const results: ForwardBenchResult[] = [];
  for (const arch of ARCHS) {
    const ms = timeForward(arch);
    const r: ForwardBenchResult = { arch, backend, msPerBatch: ms, imagesPerSecond: (BATCH * 1000) / ms, torchImagesPerSecond: torch?.[arch] };
    results.push(r);
    const vsTorch = r.torchImagesPerSecond ? `, PyTorch CPU ${r.torchImagesPerSecond.toFixed(1)} img/s, ratio ${(r.imagesPerSecond / r.torchImagesPerSecond).toFixed(2)}` : '';
    console.log(`   ${arch.padEnd(22)} ${backend}: ${r.imagesPerSecond.toFixed(1)} img/s (${ms.toFixed(0)} ms / batch of ${BATCH})${vsTorch}`);
  }
  if (torch) console.log(`   (PyTorch ${torch.threads} thread(s); TF.js wasm runs on one thread under Node)`);
  if (!torch) console.log('   (PyTorch comparison skipped: /usr/bin/python3 with torch not found; apt-get install python3-torch)');
  return results;
}

/** The same two architectures written in plain torch.nn (no timm/torchvision needed), eval mode, no_grad. */
const TORCH_SCRIPT = String.raw`
import json, sys, time, torch, torch.nn as nn, torch.nn.functional as F
B, S, IT = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
class Bottleneck(nn.Module):
    def __init__(s, cin, p, stride):
        super().__init__()
        s.c1, s.b1 = nn.Conv2d(cin, p, 1, bias=False), nn.BatchNorm2d(p)
        s.c2, s.b2 = nn.Conv2d(p, p, 3, stride, 1, bias=False), nn.BatchNorm2d(p)
        s.c3, s.b3 = nn.Conv2d(p, p * 4, 1, bias=False), nn.BatchNorm2d(p * 4)
        s.ds = nn.Sequential(nn.Conv2d(cin, p * 4, 1, stride, bias=False), nn.BatchNorm2d(p * 4)) if stride != 1 or cin != p * 4 else None
    def forward(s, x):
        y = F.relu(s.b1(s.c1(x))); y = F.relu(s.b2(s.c2(y))); y = s.b3(s.c3(y))
        return F.relu(y + (s.ds(x) if s.ds is not None else x))
def resnet50():
    layers, cin = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1)], 64
    for i, (n, p) in enumerate(zip([3, 4, 6, 3], [64, 128, 256, 512])):
        for b in range(n):
            layers.append(Bottleneck(cin, p, 2 if b == 0 and i > 0 else 1)); cin = p * 4
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2048, 1000))
class Block(nn.Module):
    def __init__(s, d, h):
        super().__init__()
        s.n1, s.n2, s.h = nn.LayerNorm(d, eps=1e-6), nn.LayerNorm(d, eps=1e-6), h
        s.qkv, s.proj, s.fc1, s.fc2 = nn.Linear(d, 3 * d), nn.Linear(d, d), nn.Linear(d, 4 * d), nn.Linear(4 * d, d)
    def forward(s, x):
        B, N, D = x.shape
        q, k, v = s.qkv(s.n1(x)).reshape(B, N, 3, s.h, D // s.h).permute(2, 0, 3, 1, 4)
        a = (q @ k.transpose(-2, -1) * (D // s.h) ** -0.5).softmax(-1)
        x = x + s.proj((a @ v).transpose(1, 2).reshape(B, N, D))
        return x + s.fc2(F.gelu(s.fc1(s.n2(x))))
class ViT(nn.Module):
    def __init__(s, d=384, depth=12, h=6):
        super().__init__()
        s.pe, s.cls, s.pos = nn.Conv2d(3, d, 16, 16), nn.Parameter(torch.zeros(1, 1, d)), nn.Parameter(torch.zeros(1, 197, d))
        s.blocks, s.norm, s.head = nn.Sequential(*[Block(d, h) for _ in range(depth)]), nn.LayerNorm(d, eps=1e-6), nn.Linear(d, 1000)
    def forward(s, x):
        x = s.pe(x).flatten(2).transpose(1, 2)
        x = torch.cat([s.cls.expand(x.shape[0], -1, -1), x], 1) + s.pos
        return s.head(s.norm(s.blocks(x))[:, 0])
out = {'threads': torch.get_num_threads()}
for name, m in [('resnet50', resnet50()), ('vit_small_patch16_224', ViT())]:
    m.eval(); x = torch.randn(B, 3, S, S)
    with torch.no_grad():
        m(x); t = time.perf_counter()
        for _ in range(IT): m(x)
    out[name] = B * IT / (time.perf_counter() - t)
print(json.dumps(out))
`;

function torchThroughput(): Record<string, number> | null {
  const python = '/usr/bin/python3';
  if (!existsSync(python)) return null;
  const r = spawnSync(python, ['-c', TORCH_SCRIPT, String(BATCH), String(SIZE), String(ITERATIONS)], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) {
    if (!/No module named 'torch'/.test(r.stderr)) console.log(`   (PyTorch run failed: ${r.stderr.trim().split('\n').at(-1)})`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, number>;
}
