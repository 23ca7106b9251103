"""The app's loop pieces (electron/training/finetune/): LR schedule, AdamW per group, losses, augmentation."""
import math

import torch
import torch.nn.functional as F


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


def weighted_ce(logits, targets, class_weights, smoothing, denominator=None, sample_weights=None):
    """Σ w_i·l_i / Σ w_i (torch's weighted mean); `denominator` is Σ w over all ranks' batches."""
    k = logits.shape[1]
    smoothed = targets * (1 - smoothing) + smoothing / k if smoothing > 0 else targets
    per = -(smoothed * F.log_softmax(logits, 1)).sum(1)
    w = (targets * torch.tensor(class_weights, dtype=logits.dtype, device=logits.device)).sum(1) if class_weights else torch.ones_like(per)
    if sample_weights is not None:
        w = w * sample_weights
    return (w * per).sum() / (denominator if denominator is not None else w.sum().clamp_min(1e-12))


def weighted_bce(logits, targets, pos_weights, smoothing, denominator=None, sample_weights=None):
    y = targets * (1 - smoothing) + smoothing / 2 if smoothing > 0 else targets
    p = torch.tensor(pos_weights, dtype=logits.dtype, device=logits.device) if pos_weights else torch.ones_like(logits)
    per = ((1 - y) * logits + (1 + (p - 1) * y) * F.softplus(-logits)).mean(1)
    if sample_weights is not None:
        return (sample_weights * per).sum() / (denominator if denominator is not None else sample_weights.sum().clamp_min(1e-12))
    return per.sum() / (denominator if denominator is not None else max(per.shape[0], 1))


def alpha_at(schedule, alpha0, epoch, epochs):
    """α(t) of L = L_main + α(t)·L_aux at a 0-based epoch (multitask.ts alphaAt)."""
    t = 0 if epochs <= 1 else min(1, epoch / (epochs - 1))
    if schedule == 'constant':
        return alpha0
    if schedule == 'linear-decay':
        return alpha0 * (1 - t)
    return alpha0 * 0.5 * (1 + math.cos(math.pi * t))


def combine_losses(main, aux, aux_cfg, log_vars, epoch, epochs, world):
    """This rank's share of L_main + α(t)·L_aux, or of Σ exp(-s_i)·L_i + s_i (uncertainty weighting; s_i counted once over the ranks)."""
    if aux_cfg['schedule'] == 'uncertainty':
        return torch.exp(-log_vars[0]) * main + torch.exp(-log_vars[1]) * aux + log_vars.sum() / world
    return main + aux * alpha_at(aux_cfg['schedule'], aux_cfg['alpha'], epoch, epochs)


def logged_alpha(aux_cfg, log_vars, epoch, epochs):
    """α as the app logs it per epoch (learned: exp(s_main - s_aux))."""
    if aux_cfg['schedule'] == 'uncertainty':
        return math.exp(float(log_vars[0] - log_vars[1]))
    return alpha_at(aux_cfg['schedule'], aux_cfg['alpha'], epoch, epochs)


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
