#!/usr/bin/env python3
"""LabelTune job runner: trains the job in this folder with plain PyTorch (torchvision for ResNets).

Written by `labeltune job export`; reads config.json, preprocessing.json, manifest.jsonl and
initial.safetensors next to it and writes output/ (metrics.jsonl, checkpoints/best.safetensors and
last.safetensors with timm names, state.pt to resume, result.json). Bring the folder back with
`labeltune job import <project> DIR`.

    python3 train.py                          one process (CUDA when available, else CPU)
    torchrun --nproc_per_node N train.py      N ranks, DistributedDataParallel (nccl on CUDA, gloo on CPU)

Only torchrun's environment contract is read (MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE,
LOCAL_RANK, LOCAL_WORLD_SIZE), so SLURM, Ray or a hand-rolled launcher that sets those work too.
Re-running after an interruption resumes from output/state.pt (the end of the last finished epoch).
"""
import json
import math
import os
import struct
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.distributed.nn as dist_nn
import torch.nn as nn
import torch.nn.functional as F

JOB_FORMAT = 'labeltune-job/1'
HERE = Path(__file__).resolve().parent

# ---------------------------------------------------------------- safetensors (by hand: no extra packages)

_DTYPES = {'F32': np.float32, 'F16': np.float16, 'F64': np.float64, 'I64': np.int64, 'I32': np.int32, 'U8': np.uint8}


def read_safetensors(path):
    """{name: float32 torch tensor} and the metadata of a safetensors file (F32, F16, BF16, F64)."""
    data = Path(path).read_bytes()
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop('__metadata__', {}) or {}
    base = 8 + n
    out = {}
    for name, info in header.items():
        start, end = info['data_offsets']
        raw = data[base + start:base + end]
        if info['dtype'] == 'BF16':
            arr = (np.frombuffer(raw, dtype='<u2').astype(np.uint32) << 16).view(np.float32)
        elif info['dtype'] in _DTYPES:
            arr = np.frombuffer(raw, dtype=np.dtype(_DTYPES[info['dtype']]).newbyteorder('<'))
        else:
            raise ValueError(f'{path}: tensor {name} has dtype {info["dtype"]}, which this script does not read')
        out[name] = torch.from_numpy(arr.astype(np.float32).reshape(info['shape']).copy())
    return out, meta


def write_safetensors(path, tensors, metadata=None):
    """8-byte little-endian header length, JSON header, raw little-endian float32 data; atomic rename."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        arr = np.ascontiguousarray(tensors[name].detach().cpu().numpy().astype('<f4'))
        b = arr.tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(arr.shape), 'data_offsets': [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    if metadata:
        header['__metadata__'] = {k: str(v) for k, v in metadata.items()}
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    tmp = Path(str(path) + '.tmp')
    with open(tmp, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def timm_state(model):
    """The model's state dict under timm's names, without BatchNorm's step counters."""
    return {k: v for k, v in model.state_dict().items() if not k.endswith('num_batches_tracked')}


# ---------------------------------------------------------------- preprocessing (as preprocessing.json says)

def _filter(interpolation):
    if interpolation == 'bilinear':
        return 1.0, lambda x: max(0.0, 1.0 - abs(x))

    def cubic(t, a=-0.5):
        x = abs(t)
        if x < 1:
            return ((a + 2) * x - (a + 3)) * x * x + 1
        if x < 2:
            return (((x - 5) * x + 8) * x - 4) * a
        return 0.0
    return 2.0, cubic


def resample_matrix(in_size, out_size, interpolation):
    """Pillow's antialiased separable resize as a dense [out, in] float64 matrix (precompute_coeffs)."""
    support0, weight = _filter(interpolation)
    scale = in_size / out_size
    filter_scale = max(scale, 1.0)
    support = support0 * filter_scale
    m = np.zeros((out_size, in_size), dtype=np.float64)
    for o in range(out_size):
        center = (o + 0.5) * scale
        first = max(int(center - support + 0.5), 0)
        count = min(int(center + support + 0.5), in_size) - first
        w = np.array([weight((k + first - center + 0.5) / filter_scale) for k in range(count)], dtype=np.float64)
        total = w.sum()
        if total != 0:
            w = w / total
        m[o, first:first + count] = w
    return m


def geometry(width, height, pre):
    """Resized size, crop box (left, top, w, h) and offset in the output, as the app's preprocess.ts."""
    size = pre['inputSize']
    if pre.get('resize', 'crop') == 'pad':
        long = max(width, height)

        def side(s):
            return size if s == long else max(1, round(s * size / long))  # Python's round: halves to even
        rw, rh = side(width), side(height)
        return rw, rh, (0, 0, rw, rh), ((size - rw) // 2, (size - rh) // 2)
    shorter = math.floor(size / pre['cropPct'])
    rw = shorter if width <= height else math.floor(shorter * width / height)
    rh = math.floor(shorter * height / width) if width <= height else shorter
    return rw, rh, (round((rw - size) / 2), round((rh - size) / 2), size, size), (0, 0)


def decode(path, frame=0):
    """Samples [H, W, C] as uint8, uint16 or float32, and the image's own window (or None)."""
    p = str(path)
    if p.lower().endswith(('.dcm', '.dicom')):
        try:
            import pydicom
        except ImportError as e:
            raise RuntimeError(f'{p}: DICOM needs pydicom (pip install pydicom), or export the job with PNG images') from e
        ds = pydicom.dcmread(p)
        arr = ds.pixel_array
        if arr.ndim == 3 and getattr(ds, 'NumberOfFrames', 1) > 1:
            arr = arr[frame]
        arr = arr * float(getattr(ds, 'RescaleSlope', 1)) + float(getattr(ds, 'RescaleIntercept', 0))
        win = None
        if 'WindowCenter' in ds and 'WindowWidth' in ds:
            c, w = ds.WindowCenter, ds.WindowWidth
            win = (float(c[0] if hasattr(c, '__len__') else c), float(w[0] if hasattr(w, '__len__') else w))
        return np.asarray(arr, dtype=np.float32)[..., None] if arr.ndim == 2 else np.asarray(arr, np.float32), win
    from PIL import Image
    with Image.open(p) as im:
        if frame:
            im.seek(frame)
        if im.mode in ('I;16', 'I;16B', 'I;16L', 'I'):
            arr = np.array(im).astype(np.uint16 if im.mode.startswith('I;16') else np.float32)
        elif im.mode == 'F':
            arr = np.array(im, dtype=np.float32)
        elif im.mode in ('L', 'LA'):
            arr = np.array(im.convert('L'))
        else:
            arr = np.array(im.convert('RGB'))
    if arr.ndim == 2:
        arr = arr[..., None]
    return arr, None


def preprocess(path, pre, frame=0):
    """One image -> float32 [3, S, S] (CHW) exactly as the app computes it (float64 sums, float32 stores)."""
    samples, own_window = decode(path, frame)
    h, w, c = samples.shape
    if samples.dtype == np.uint8:
        unit = (samples.astype(np.float64) * (1 / 255)).astype(np.float32)
    else:
        win = pre.get('window')
        center, width = (win['center'], win['width']) if win else (own_window or (None, None))
        if center is None:
            lo_s, hi_s = float(samples.min()), float(samples.max())
            center, width = (lo_s + hi_s) / 2, (hi_s - lo_s if hi_s > lo_s else 1.0)
        lo = center - width / 2
        unit = np.clip(samples.astype(np.float64) * (1 / width) + (-lo / width), 0, 1).astype(np.float32)
    unit = unit[..., :1] if c in (1, 2) else unit[..., :3]
    rw, rh, (left, top, cw, ch), (ox, oy) = geometry(w, h, pre)
    mx = resample_matrix(w, rw, pre['interpolation'])[left:left + cw]
    my = resample_matrix(h, rh, pre['interpolation'])[top:top + ch]
    tmp = np.einsum('ow,hwc->hoc', mx, unit.astype(np.float64)).astype(np.float32)
    kept = np.einsum('oh,hwc->owc', my, tmp.astype(np.float64)).astype(np.float32)
    if kept.shape[2] == 1:
        kept = np.repeat(kept, 3, axis=2)
    mean = np.array(pre['mean'], dtype=np.float64)
    std = np.array(pre['std'], dtype=np.float64)
    kept = ((kept.astype(np.float64) - mean) / std).astype(np.float32)
    size = pre['inputSize']
    out = np.zeros((size, size, 3), dtype=np.float32)
    out[oy:oy + ch, ox:ox + cw] = kept
    return torch.from_numpy(np.ascontiguousarray(out.transpose(2, 0, 1)))


# ---------------------------------------------------------------- models with timm's names

VITS = {  # timm's configs (electron/training/backbones/registry.ts): patch, width, depth, heads
    'vit_tiny_patch16_224': (16, 192, 12, 3),
    'vit_small_patch16_224': (16, 384, 12, 6),
    'vit_base_patch16_224': (16, 768, 12, 12),
}


class Attention(nn.Module):
    """timm's attention with the fused qkv (output rows q; k; v, heads contiguous in each)."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x, lora=None, scale=1.0):
        n, t, d = x.shape
        qkv = self.qkv(x)
        if lora is not None:  # LoRA on q and v through the fused qkv: W x + scale * B^T A^T x (lora.ts)
            q, k, v = qkv.split(d, -1)
            qkv = torch.cat([q + (x @ lora.q.A @ lora.q.B) * scale, k, v + (x @ lora.v.A @ lora.v.B) * scale], -1)
        q, k, v = qkv.reshape(n, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        attn = ((q * (d // self.heads) ** -0.5) @ k.transpose(-2, -1)).softmax(-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(n, t, d))


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))  # exact (erf) GELU, as timm and the app


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, dim * 4)

    def forward(self, x, lora=None, scale=1.0):
        x = x + self.attn(self.norm1(x), lora, scale)
        return x + self.mlp(self.norm2(x))


class LoraPair(nn.Module):
    """A [dim, rank] and B [rank, dim] in the app's layout: the delta is x A B."""

    def __init__(self, dim, rank):
        super().__init__()
        self.A = nn.Parameter(torch.zeros(dim, rank))
        self.B = nn.Parameter(torch.zeros(rank, dim))


class LoraBlock(nn.Module):
    def __init__(self, dim, rank):
        super().__init__()
        self.q = LoraPair(dim, rank)
        self.v = LoraPair(dim, rank)


def add_lora(model, rank, scale):
    """LoRA tensors named as the app's (lora.blocks.N.q.A ...): the job's initial values are loaded into them."""
    dim = model.norm.normalized_shape[0]
    model.lora = nn.Module()
    model.lora.blocks = nn.ModuleList([LoraBlock(dim, rank) for _ in model.blocks])
    model.lora_scale = scale


class PatchEmbed(nn.Module):
    def __init__(self, patch, dim):
        super().__init__()
        self.proj = nn.Conv2d(3, dim, patch, patch)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class VisionTransformer(nn.Module):
    """timm's VisionTransformer (pre-norm blocks, class token pooling) under timm's names."""

    def __init__(self, patch, dim, depth, heads, num_classes, image_size):
        super().__init__()
        grid = image_size // patch
        self.patch_embed = PatchEmbed(patch, dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, grid * grid + 1, dim))
        self.blocks = nn.Sequential(*[Block(dim, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, x):
        x = self.patch_embed(x)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], 1) + self.pos_embed
        lora = getattr(self, 'lora', None)
        for i, block in enumerate(self.blocks):
            x = block(x, lora.blocks[i] if lora is not None else None, getattr(self, 'lora_scale', 1.0))
        return self.head(self.norm(x)[:, 0])


def build_model(arch, num_classes, image_size=224):
    """torchvision's ResNets carry timm's names and layouts (conv1, bn1, layerX.Y..., fc); ViTs are built here."""
    import torchvision
    if arch in ('resnet18', 'resnet34', 'resnet50'):
        return getattr(torchvision.models, arch)(weights=None, num_classes=num_classes)
    if arch in VITS:
        patch, dim, depth, heads = VITS[arch]
        return VisionTransformer(patch, dim, depth, heads, num_classes, image_size)
    raise ValueError(f'backbone {arch} is not supported by this train.py yet (ResNet-18/34/50 and ViT-Ti/S/B are)')


def load_timm(model, tensors, source):
    """Load timm-named tensors; everything but BatchNorm step counters must be there, with the same shapes."""
    own = timm_state(model)
    missing = [k for k in own if k not in tensors]
    unexpected = [k for k in tensors if k not in own]
    bad = [f'{k} {list(tensors[k].shape)} vs {list(v.shape)}' for k, v in own.items() if k in tensors and tensors[k].shape != v.shape]
    if missing or unexpected or bad:
        raise ValueError(f'{source} does not fit the model: missing {missing[:5]}, unexpected {unexpected[:5]}, shape {bad[:5]}')
    model.load_state_dict({k: tensors[k] for k in own}, strict=False)


# ---------------------------------------------------------------- schedule, loss, optimizer (as the app's loop)

def lr_multiplier(step, total, warmup, min_ratio=0.01):
    if warmup > 0 and step < warmup:
        return (step + 1) / warmup
    span = max(1, total - warmup)
    t = min(1.0, (step - warmup) / span)
    return min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * t))


class GroupAdamW:
    """One AdamW per parameter group with its own step count, decay skipped for noDecay (adamw.ts)."""

    def __init__(self, named, groups, no_decay, weight_decay):
        self.named, self.groups, self.no_decay, self.wd = named, groups, set(no_decay), weight_decay
        self.m, self.v, self.steps = {}, {}, {g: 0 for g in set(groups.values())}

    @torch.no_grad()
    def step(self, lrs):
        by_group = {}
        for name, p in self.named.items():
            if p.grad is not None and p.requires_grad:
                by_group.setdefault(self.groups[name], []).append((name, p))
        for g, params in by_group.items():
            self.steps[g] += 1
            c1, c2 = 1 - 0.9 ** self.steps[g], 1 - 0.999 ** self.steps[g]
            for name, p in params:
                m = self.m.setdefault(name, torch.zeros_like(p))
                v = self.v.setdefault(name, torch.zeros_like(p))
                m.mul_(0.9).add_(p.grad, alpha=0.1)
                v.mul_(0.999).addcmul_(p.grad, p.grad, value=0.001)
                update = (m / c1) / ((v / c2).sqrt() + 1e-8)
                if self.wd > 0 and name not in self.no_decay:
                    update = update + p * self.wd
                p.sub_(update * lrs[g])

    def state(self):
        return {'m': self.m, 'v': self.v, 'steps': self.steps}

    def load(self, s):
        self.m, self.v, self.steps = s['m'], s['v'], s['steps']


def weighted_ce(logits, targets, class_weights, smoothing, denominator=None):
    """Σ w_i·l_i / Σ w_i (torch's weighted mean); `denominator` is Σ w over all ranks' batches."""
    k = logits.shape[1]
    smoothed = targets * (1 - smoothing) + smoothing / k if smoothing > 0 else targets
    per = -(smoothed * F.log_softmax(logits, 1)).sum(1)
    w = (targets * torch.tensor(class_weights, dtype=logits.dtype, device=logits.device)).sum(1) if class_weights else torch.ones_like(per)
    return (w * per).sum() / (denominator if denominator is not None else w.sum().clamp_min(1e-12))


def weighted_bce(logits, targets, pos_weights, smoothing, denominator=None):
    y = targets * (1 - smoothing) + smoothing / 2 if smoothing > 0 else targets
    p = torch.tensor(pos_weights, dtype=logits.dtype, device=logits.device) if pos_weights else torch.ones_like(logits)
    per = ((1 - y) * logits + (1 + (p - 1) * y) * F.softplus(-logits)).mean(1)
    return per.sum() / (denominator if denominator is not None else max(per.shape[0], 1))


def augment_batch(x, gen, o):
    """Random affine (rotation, scale, translation, optional flip; edges replicated), contrast, brightness (augment.ts)."""
    n, _, h, w = x.shape
    u = lambda lo, hi: lo + (hi - lo) * torch.rand(n, generator=gen)
    theta = u(-o['rotation'], o['rotation']) * math.pi / 180
    s = 1 + u(-o['scale'], o['scale'])
    tx, ty = u(-o['translate'], o['translate']) * 2, u(-o['translate'], o['translate']) * 2
    flip = torch.where((torch.rand(n, generator=gen) < 0.5) & torch.tensor(bool(o.get('horizontalFlip'))), -1.0, 1.0)
    cos, sin = torch.cos(theta) / s, torch.sin(theta) / s
    mat = torch.stack([torch.stack([flip * cos, flip * sin * h / w, tx], 1), torch.stack([-sin * w / h, cos, ty], 1)], 1)
    grid = F.affine_grid(mat.to(x.dtype), list(x.shape), align_corners=True)
    moved = F.grid_sample(x, grid.to(x.device), mode='bilinear', padding_mode='border', align_corners=True)
    mean = moved.mean((1, 2, 3), keepdim=True)
    c = (1 + u(-o['contrast'], o['contrast'])).view(n, 1, 1, 1).to(x)
    b = u(-o['brightness'], o['brightness']).view(n, 1, 1, 1).to(x)
    return (moved - mean) * c + mean + b


# ---------------------------------------------------------------- distributed set-up (torchrun's contract only)

class GlobalBatchNorm2d(nn.BatchNorm2d):
    """BatchNorm whose training statistics are those of the global batch (all ranks), so N ranks
    train as one process with the same global batch does. torch 1.13's SyncBatchNorm needs CUDA;
    this works on gloo too. The statistics travel through an autograd-aware all-reduce on a group of
    their own, so they never interleave with DDP's gradient buckets."""
    group = None

    def forward(self, x):
        if not self.training:
            return super().forward(x)
        c = x.shape[1]
        count = torch.tensor([x.numel() / c], dtype=x.dtype, device=x.device)
        stats = torch.cat([x.sum((0, 2, 3)), (x * x).sum((0, 2, 3)), count])
        stats = dist_nn.all_reduce(stats, group=GlobalBatchNorm2d.group)
        n = stats[-1]
        mean = stats[:c] / n
        var = (stats[c:2 * c] / n - mean * mean).clamp_min(0)
        with torch.no_grad():
            if float(n) > 1:  # as PyTorch (and the app): the running variance is unbiased
                self.running_mean.mul_(1 - self.momentum).add_(mean.detach(), alpha=self.momentum)
                self.running_var.mul_(1 - self.momentum).add_(var.detach() * (n / (n - 1)), alpha=self.momentum)
            self.num_batches_tracked.add_(1)
        shape = (1, c, 1, 1)
        return (x - mean.view(shape)) * torch.rsqrt(var.view(shape) + self.eps) * self.weight.view(shape) + self.bias.view(shape)


def use_global_batchnorm(model):
    GlobalBatchNorm2d.group = dist.new_group()
    for mod in model.modules():
        if type(mod) is nn.BatchNorm2d:
            mod.__class__ = GlobalBatchNorm2d


def setup():
    world = int(os.environ.get('WORLD_SIZE', '1'))
    rank = int(os.environ.get('RANK', '0'))
    local = int(os.environ.get('LOCAL_RANK', '0'))
    cuda = torch.cuda.is_available()
    device = torch.device('cuda', local) if cuda else torch.device('cpu')
    if cuda:
        torch.cuda.set_device(device)
    if world > 1 and not dist.is_initialized():  # Ray Train initialises the group itself
        dist.init_process_group('nccl' if cuda else 'gloo', init_method='env://', rank=rank, world_size=world)
    return world, rank, device


def all_sum(values, device, world):
    t = torch.tensor(values, dtype=torch.float64, device=device)
    if world > 1:
        dist.all_reduce(t)
    return t.tolist()


# ---------------------------------------------------------------- the job

class Data:
    """Preprocessed images of one split in the manifest's order, kept in memory when they fit (2 GB)."""

    def __init__(self, items, pre, classes, multi):
        self.items, self.pre = items, pre
        k = len(classes)
        self.targets = torch.zeros(len(items), k)
        for i, it in enumerate(items):
            self.targets[i, it['labels']] = 1.0
        fits = len(items) * 3 * pre['inputSize'] ** 2 * 4 < 2 ** 31
        self.cache = {} if fits else None

    def path(self, it):
        p = Path(it['file'])
        return p if p.is_absolute() else HERE / p

    def pixels(self, rows):
        out = []
        for r in rows:
            if self.cache is not None and r in self.cache:
                out.append(self.cache[r])
                continue
            it = self.items[r]
            try:
                px = preprocess(self.path(it), self.pre, it.get('frame', 0))
            except Exception as e:
                raise RuntimeError(f'{self.path(it)} (manifest image {it["id"]}): {e}') from e
            if self.cache is not None:
                self.cache[r] = px
            out.append(px)
        return torch.stack(out)


def read_job(job_dir):
    cfg = json.loads((job_dir / 'config.json').read_text())
    if cfg.get('format') != JOB_FORMAT:
        raise SystemExit(f'{job_dir / "config.json"} is not a {JOB_FORMAT} job file')
    pre = json.loads((job_dir / 'preprocessing.json').read_text())
    items = [json.loads(line) for line in (job_dir / 'manifest.jsonl').read_text().splitlines() if line.strip()]
    return cfg, pre, items


def set_bn_modes(model, bn_train_groups, group_of_module):
    model.eval()
    for name, mod in model.named_modules():
        if isinstance(mod, nn.modules.batchnorm._BatchNorm) and group_of_module(name) in bn_train_groups:
            mod.train()


def evaluate(model, data, cfg, device, world, rank, batch):
    """Eval mode over this rank's share of the split; sums over ranks: loss, correct, count."""
    model.eval()
    rows = list(range(rank, len(data.items), world))
    loss_sum, correct, count = 0.0, 0.0, 0.0
    with torch.no_grad():
        for i in range(0, len(rows), batch):
            r = rows[i:i + batch]
            logits = model(data.pixels(r).to(device))
            t = data.targets[r].to(device)
            if cfg['multiLabel']:
                loss = weighted_bce(logits, t, None, 0)
                correct += float(((torch.sigmoid(logits) >= 0.5) == (t > 0.5)).sum())
                count += t.numel()
            else:
                loss = weighted_ce(logits, t, None, 0)
                correct += float(t[torch.arange(len(r)), logits.argmax(1)].sum())
                count += len(r)
            loss_sum += float(loss) * len(r)
    loss_sum, correct, count, n = all_sum([loss_sum, correct, count, len(rows)], device, world)
    return loss_sum / max(n, 1), correct / max(count, 1)


def main(job_dir=HERE):
    started = time.time()
    cfg, pre, items = read_job(job_dir)
    world, rank, device = setup()
    out = job_dir / 'output'
    ckpt = out / 'checkpoints'
    if rank == 0:
        ckpt.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(cfg['seed'])
    classes = cfg['classes']
    train = Data([it for it in items if it['split'] == 'train'], pre, classes, cfg['multiLabel'])
    val = Data([it for it in items if it['split'] == 'val'], pre, classes, cfg['multiLabel'])
    model = build_model(cfg['arch'], len(classes), cfg['imageSize'])
    if cfg.get('lora'):
        add_lora(model, cfg['lora']['rank'], cfg['lora']['scale'])
    init, _ = read_safetensors(job_dir / cfg['initialWeights'])
    load_timm(model, init, cfg['initialWeights'])
    model.to(device)
    if world > 1:
        use_global_batchnorm(model)
    named = dict(model.named_parameters())
    groups = cfg['paramGroups']
    opt = GroupAdamW({n: p for n, p in named.items() if n in groups}, groups, cfg['noDecay'], cfg['weightDecay'])

    def group_of_module(name):
        return groups.get(f'{name}.weight')

    epochs, B = cfg['epochs'], cfg['batchSize']
    steps = max(1, len(train.items) // B)
    bs = min(B, len(train.items))
    total = epochs * steps
    warmup = math.floor(cfg['warmupFraction'] * total + 0.5)
    loop = {'epoch': 0, 'bestLoss': None, 'bestEpoch': None, 'badEpochs': 0, 'wallSeconds': 0.0}
    state_file = out / 'state.pt'
    if state_file.exists() and (ckpt / 'last.safetensors').exists():
        last, _ = read_safetensors(ckpt / 'last.safetensors')
        load_timm(model, last, 'output/checkpoints/last.safetensors')
        s = torch.load(state_file, map_location=device)
        opt.load(s['optimizer'])
        loop = s['loop']
        if rank == 0:
            print(f'Resuming after epoch {loop["epoch"]} of {epochs}', flush=True)
    metrics_file = out / 'metrics.jsonl'
    if rank == 0:
        kept = [l for l in (metrics_file.read_text().splitlines() if metrics_file.exists() else []) if l.strip() and json.loads(l)['epoch'] <= loop['epoch']]
        metrics_file.write_text(''.join(l + '\n' for l in kept))
    stop_reason = None
    aug = cfg.get('augment')
    for epoch in range(loop['epoch'], epochs):
        t0 = time.time()
        sched = cfg['schedule'][epoch]
        trains = set(sched['trainParams'])
        for n, p in named.items():
            p.requires_grad_(n in trains)
            p.grad = None
        ddp = nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == 'cuda' else None, broadcast_buffers=True) if world > 1 else model
        perm = torch.randperm(len(train.items), generator=torch.Generator().manual_seed(cfg['seed'] * 1000 + epoch)).tolist()
        gen = torch.Generator().manual_seed((cfg['seed'] + 1) * 1000003 + epoch * 7919 + rank)
        loss_sum, lrs = 0.0, {}
        for s in range(steps):
            rows = perm[s * bs:(s + 1) * bs]
            mine = rows[rank::world]
            mult = lr_multiplier(epoch * steps + s, total, warmup)
            lrs = {g: lr * mult for g, lr in cfg['learningRates'].items()}
            set_bn_modes(model, set(sched['bnTrainGroups']), group_of_module)
            x = train.pixels(mine).to(device)
            if aug:
                x = augment_batch(x, gen, aug)
            t = train.targets[mine].to(device)
            cw = cfg['classWeights']
            if cfg['multiLabel']:
                denom = float(len(rows))
            else:
                w_all = (train.targets[rows] * torch.tensor(cw)).sum() if cw else torch.tensor(float(len(rows)))
                denom = max(float(w_all), 1e-12)
            logits = ddp(x)
            lossf = weighted_bce if cfg['multiLabel'] else weighted_ce
            loss = lossf(logits, t, cw, cfg['labelSmoothing'], denominator=denom)
            # DDP averages gradients over ranks; each rank's share of the global weighted mean is scaled back by world.
            (loss * world).backward()
            opt.step(lrs)
            for p in named.values():
                p.grad = None
            (batch_loss,) = all_sum([float(loss)], device, world)
            if not math.isfinite(batch_loss):
                stop_reason = f'The training loss became NaN or infinite at epoch {epoch + 1}, step {s + 1}: training stopped. Lower the learning rate.'
                break
            loss_sum += batch_loss
        if stop_reason:
            break
        train_seconds = time.time() - t0
        val_loss, val_acc = evaluate(model, val, cfg, device, world, rank, max(1, 2 * B // world))
        best = loop['bestLoss'] is None or val_loss < loop['bestLoss'] - 1e-7
        loop = {
            'epoch': epoch + 1,
            'bestLoss': val_loss if best else loop['bestLoss'],
            'bestEpoch': epoch + 1 if best else loop['bestEpoch'],
            'badEpochs': 0 if best else loop['badEpochs'] + 1,
            'wallSeconds': loop['wallSeconds'] + time.time() - t0,
        }
        row = {
            'epoch': epoch + 1, 'trainLoss': loss_sum / steps, 'valLoss': val_loss, 'valAccuracy': val_acc, 'valAuc': None,
            'learningRates': lrs, 'imagesPerSec': steps * bs / max(train_seconds, 1e-9), 'trainableGroups': sched['trainableGroups'],
            'isBest': best, 'worldSize': world, 'seconds': time.time() - t0,
        }
        if rank == 0:
            state = timm_state(model)
            meta = {'format': 'labeltune-job-checkpoint/1', 'arch': cfg['arch'], 'epoch': epoch + 1}
            if best:
                write_safetensors(ckpt / 'best.safetensors', state, {**meta, 'valLoss': val_loss})
            write_safetensors(ckpt / 'last.safetensors', state, meta)
            torch.save({'optimizer': opt.state(), 'loop': loop}, str(state_file) + '.tmp')
            os.replace(str(state_file) + '.tmp', state_file)
            with open(metrics_file, 'a') as f:
                f.write(json.dumps(row) + '\n')
            print(json.dumps(row), flush=True)
        if os.environ.get('LABELTUNE_JOB_EXIT_AFTER_EPOCH') == str(epoch + 1):
            sys.exit(3)  # tests: an interruption right after a checkpoint, to check that a re-run resumes
        if cfg['patience'] > 0 and loop['badEpochs'] >= cfg['patience'] and loop['epoch'] < epochs:
            stop_reason = f'Stopped early after epoch {loop["epoch"]} of {epochs}: the validation loss has not improved for {cfg["patience"]} epochs since epoch {loop["bestEpoch"]}, whose checkpoint is kept as the best.'
            break
    if rank == 0:
        devices = f'{world} x {torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"}'
        result = {
            'format': 'labeltune-job-result/1', 'engine': 'pytorch', 'torch': torch.__version__, 'worldSize': world,
            'backend': dist.get_backend() if world > 1 else ('cuda' if device.type == 'cuda' else 'cpu'),
            'devices': devices, 'wallSeconds': loop['wallSeconds'], 'processSeconds': time.time() - started,
            'epochs': loop['epoch'], 'bestEpoch': loop['bestEpoch'], 'stopReason': stop_reason,
            'completed': stop_reason is None or stop_reason.startswith('Stopped early'),
        }
        (out / 'result.json').write_text(json.dumps(result, indent=2) + '\n')
    if world > 1:
        dist.barrier()


if __name__ == '__main__':
    main()
