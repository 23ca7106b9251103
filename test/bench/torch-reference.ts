import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';

/**
 * The PyTorch CPU reference the benchmarks compare against, run in the same process tree and on
 * the same machine: Debian's python3-torch (1.13) at /usr/bin/python3 (the pyenv `python3` on PATH
 * has no torch). The architectures are written in plain torch.nn (no timm/torchvision needed), as
 * ordered groups named like ours (stem, layer1..4 / blocks.N, norm, head), so a strategy can freeze
 * the same groups as FineTuner does.
 */

export const TORCH_PYTHON = '/usr/bin/python3';

/** What PyTorch trains (or runs) for one benchmark row. */
export interface TorchJob {
  kind: 'forward' | 'train';
  arch: 'resnet18' | 'resnet50' | 'vit_tiny_patch16_224' | 'vit_small_patch16_224';
  size: number;
  batch: number;
  /** Timed iterations after one warm-up iteration. */
  iterations: number;
  classes: number;
  /** train only; see TORCH_STRATEGY_NOTES. */
  strategy?: 'full' | 'linear' | 'gradual' | 'adapter' | 'lora';
  /** Default 'cpu'. 'cuda' moves the model and batch to the GPU (forward and the 'full' strategy only). */
  device?: 'cpu' | 'cuda';
}

/** How each strategy is reproduced in PyTorch (the measured TF.js epoch is FineTuner's second, epoch 1). */
export const TORCH_STRATEGY_NOTES: Record<NonNullable<TorchJob['strategy']>, string> = {
  full: 'every group trains (BatchNorm in train mode); no augmentation (TF.js augments)',
  linear: 'backbone in eval mode under no_grad, recomputed every step; only the head trains',
  gradual: 'epoch 1 of ULMFiT unfreezing: the last two groups (resnet: layer4+head, vit: norm+head) train, the prefix runs in eval mode under no_grad; no augmentation (TF.js augments)',
  adapter: 'bottleneck adapters (1x1 down, ReLU, 1x1 up, width/16, >= 4) after each stage / block + head train; stem under no_grad; the rest frozen in eval mode, gradients flow through it to the adapters',
  lora: 'rank-8 alpha-32 low-rank deltas on q and v of every block + head train; stem under no_grad; the rest frozen, gradients flow through it',
};

export interface TorchResult {
  threads: number;
  /** img/s per job, in job order. */
  imagesPerSecond: number[];
  /** CPU seconds (all threads) per image per job, in job order: the figure a shared machine does not distort. */
  cpuSecondsPerImage: number[];
}

/** Thread counts to run PyTorch with: TF.js's own count first, then every core (once if equal). */
export function torchThreadCounts(tfThreads: number): number[] {
  const all = cpus().length;
  return tfThreads === all ? [all] : [tfThreads, all];
}

/** Runs the jobs in one python process with `threads` intra-op threads; a reason string when torch is unavailable. */
export function torchThroughput(jobs: TorchJob[], threads: number, timeoutMs = 1_800_000): TorchResult | string {
  if (!existsSync(TORCH_PYTHON)) return `${TORCH_PYTHON} not found; apt-get install python3-torch`;
  const r = spawnSync(TORCH_PYTHON, ['-c', TORCH_SCRIPT, JSON.stringify(jobs), String(threads)], { encoding: 'utf8', timeout: timeoutMs });
  if (r.status !== 0) {
    if (/No module named 'torch'/.test(r.stderr ?? '')) return `${TORCH_PYTHON} has no torch; apt-get install python3-torch`;
    return `PyTorch run failed: ${(r.stderr || String(r.error ?? r.signal)).trim().split('\n').at(-1)}`;
  }
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as TorchResult;
}

/** Why PyTorch cannot run on a CUDA GPU here, or null when it can. */
export function torchCudaBlocker(): string | null {
  if (!existsSync(TORCH_PYTHON)) return `${TORCH_PYTHON} not found`;
  const r = spawnSync(TORCH_PYTHON, ['-c', 'import torch; print(torch.cuda.is_available())'], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) return `${TORCH_PYTHON} has no torch (pip install torch with CUDA)`;
  return r.stdout.trim() === 'True' ? null : `${TORCH_PYTHON}'s torch sees no CUDA GPU (torch.cuda.is_available() is False)`;
}

const TORCH_SCRIPT = String.raw`
import json, sys, time, torch, torch.nn as nn, torch.nn.functional as F
jobs, threads = json.loads(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(threads); torch.manual_seed(0)
def cbn(cin, cout, k, s, p): return [nn.Conv2d(cin, cout, k, s, p, bias=False), nn.BatchNorm2d(cout)]
class Basic(nn.Module):
    exp = 1
    def __init__(s, cin, p, stride):
        super().__init__()
        s.a, s.b = nn.Sequential(*cbn(cin, p, 3, stride, 1), nn.ReLU()), nn.Sequential(*cbn(p, p, 3, 1, 1))
        s.ds = nn.Sequential(*cbn(cin, p, 1, stride, 0)) if stride != 1 or cin != p else None
    def forward(s, x): return F.relu(s.b(s.a(x)) + (s.ds(x) if s.ds is not None else x))
class Bottleneck(nn.Module):
    exp = 4
    def __init__(s, cin, p, stride):
        super().__init__()
        s.f = nn.Sequential(*cbn(cin, p, 1, 1, 0), nn.ReLU(), *cbn(p, p, 3, stride, 1), nn.ReLU(), *cbn(p, p * 4, 1, 1, 0))
        s.ds = nn.Sequential(*cbn(cin, p * 4, 1, stride, 0)) if stride != 1 or cin != p * 4 else None
    def forward(s, x): return F.relu(s.f(x) + (s.ds(x) if s.ds is not None else x))
def resnet(block, layers, classes):
    groups, cin = [('stem', nn.Sequential(*cbn(3, 64, 7, 2, 3), nn.ReLU(), nn.MaxPool2d(3, 2, 1)))], 64
    for i, (n, p) in enumerate(zip(layers, [64, 128, 256, 512])):
        blocks = []
        for b in range(n):
            blocks.append(block(cin, p, 2 if b == 0 and i > 0 else 1)); cin = p * block.exp
        groups.append(('layer%d' % (i + 1), nn.Sequential(*blocks)))
    return groups + [('head', nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, classes)))]
class Stem(nn.Module):
    def __init__(s, d, size):
        super().__init__()
        s.pe, s.cls, s.pos = nn.Conv2d(3, d, 16, 16), nn.Parameter(torch.zeros(1, 1, d)), nn.Parameter(torch.zeros(1, (size // 16) ** 2 + 1, d))
    def forward(s, x): return torch.cat([s.cls.expand(x.shape[0], -1, -1), s.pe(x).flatten(2).transpose(1, 2)], 1) + s.pos
class Block(nn.Module):
    def __init__(s, d, h):
        super().__init__()
        s.n1, s.n2, s.h, s.lora = nn.LayerNorm(d, eps=1e-6), nn.LayerNorm(d, eps=1e-6), h, None
        s.qkv, s.proj, s.fc1, s.fc2 = nn.Linear(d, 3 * d), nn.Linear(d, d), nn.Linear(d, 4 * d), nn.Linear(4 * d, d)
    def forward(s, x):
        B, N, D = x.shape; y = s.n1(x); qkv = s.qkv(y)
        if s.lora is not None:
            z = torch.zeros_like(y)
            qkv = qkv + torch.cat([y @ s.lora[0] @ s.lora[1] * 4.0, z, y @ s.lora[2] @ s.lora[3] * 4.0], -1)
        q, k, v = qkv.reshape(B, N, 3, s.h, D // s.h).permute(2, 0, 3, 1, 4)
        a = (q @ k.transpose(-2, -1) * (D // s.h) ** -0.5).softmax(-1)
        x = x + s.proj((a @ v).transpose(1, 2).reshape(B, N, D))
        return x + s.fc2(F.gelu(s.fc1(s.n2(x))))
class ClsHead(nn.Module):
    def __init__(s, d, classes): super().__init__(); s.fc = nn.Linear(d, classes)
    def forward(s, x): return s.fc(x[:, 0])
def vit(d, heads, size, classes):
    return [('stem', Stem(d, size))] + [('blocks.%d' % i, Block(d, heads)) for i in range(12)] + [('norm', nn.LayerNorm(d, eps=1e-6)), ('head', ClsHead(d, classes))]
ARCHS = {'resnet18': lambda S, C: resnet(Basic, [2, 2, 2, 2], C), 'resnet50': lambda S, C: resnet(Bottleneck, [3, 4, 6, 3], C),
         'vit_tiny_patch16_224': lambda S, C: vit(192, 3, S, C), 'vit_small_patch16_224': lambda S, C: vit(384, 6, S, C)}
class Adapter(nn.Module):
    def __init__(s, c, tokens):
        super().__init__(); r = max(4, round(c / 16)); s.tokens = tokens
        s.down, s.up = (nn.Linear(c, r), nn.Linear(r, c)) if tokens else (nn.Conv2d(c, r, 1), nn.Conv2d(r, c, 1))
        nn.init.zeros_(s.up.weight); nn.init.zeros_(s.up.bias)
    def forward(s, x): return x + s.up(F.relu(s.down(x)))
def width(m): return [p for p in m.parameters()][-1].shape[0]
def prepare(groups, strategy):
    names, n, extra = [g for g, _ in groups], len(groups), {}
    if strategy == 'full': prefix, train = 0, set(names)
    elif strategy == 'linear': prefix, train = n - 1, {'head'}
    elif strategy == 'gradual': prefix, train = n - 2, set(names[n - 2:])
    else: prefix, train = 1, {'head'}
    for name, m in groups:
        m.train(name in train)
        for p in m.parameters(): p.requires_grad_(name in train)
    for name, m in groups[1:-1]:
        if strategy == 'adapter' and (name.startswith('layer') or name.startswith('blocks')): extra[name] = Adapter(width(m), name.startswith('blocks'))
        if strategy == 'lora' and name.startswith('blocks'):
            d = m.qkv.in_features; m.lora = [nn.Parameter(torch.randn(d, 8) / d ** 0.5), nn.Parameter(torch.zeros(8, d)), nn.Parameter(torch.randn(d, 8) / d ** 0.5), nn.Parameter(torch.zeros(8, d))]
    params = [p for _, m in groups for p in m.parameters() if p.requires_grad] + [p for a in extra.values() for p in a.parameters()]
    params += [p for _, m in groups if getattr(m, 'lora', None) for p in m.lora]
    return prefix, extra, torch.optim.AdamW(params, lr=1e-4)
def train_step(groups, prefix, extra, opt, x, y):
    with torch.no_grad():
        for _, m in groups[:prefix]: x = m(x)
    for name, m in groups[prefix:]:
        x = m(x)
        if name in extra: x = extra[name](x)
    loss = F.cross_entropy(x, y); opt.zero_grad(); loss.backward(); opt.step()
def forward(groups, x):
    with torch.no_grad():
        for _, m in groups: x = m(x)
def run(job):
    dev = torch.device(job.get('device', 'cpu'))
    groups = ARCHS[job['arch']](job['size'], job['classes'])
    for _, m in groups: m.to(dev)
    x, y = torch.randn(job['batch'], 3, job['size'], job['size'], device=dev), torch.arange(job['batch'], device=dev) % job['classes']
    sync = torch.cuda.synchronize if dev.type == 'cuda' else (lambda: None)
    if job['kind'] == 'forward':
        for _, m in groups: m.eval()
        once = lambda: forward(groups, x)
    else:
        prefix, extra, opt = prepare(groups, job['strategy'])
        once = lambda: train_step(groups, prefix, extra, opt, x, y)
    once(); sync(); t, c = time.perf_counter(), time.process_time()
    for _ in range(job['iterations']): once()
    sync(); n = job['batch'] * job['iterations']
    return n / (time.perf_counter() - t), (time.process_time() - c) / n
runs = [run(j) for j in jobs]
print(json.dumps({'threads': torch.get_num_threads(), 'imagesPerSecond': [r[0] for r in runs], 'cpuSecondsPerImage': [r[1] for r in runs]}))
`;
