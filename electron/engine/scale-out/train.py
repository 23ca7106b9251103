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
import sys
import time
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn as nn

JOB_FORMAT = 'labeltune-job/1'
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # labeltune_job/ beside this file, also under runpy (Ray)

from labeltune_job.distributed import all_sum, setup, use_global_batchnorm  # noqa: E402
from labeltune_job.metrics import macro_auc  # noqa: E402,F401
from labeltune_job.models import add_adapters, add_aux_head, add_lora, build_model, load_timm  # noqa: E402,F401
from labeltune_job.preprocess import geometry, preprocess, resample_matrix  # noqa: E402,F401
from labeltune_job.safetensors import read_safetensors, timm_state, write_safetensors  # noqa: E402,F401
from labeltune_job.training import GroupAdamW, alpha_at, augment_batch, combine_losses, logged_alpha, lr_multiplier, weighted_bce, weighted_ce  # noqa: E402,F401


# ---------------------------------------------------------------- the job

class Data:
    """Preprocessed images of one split in the manifest's order, kept in memory when they fit (2 GB)."""

    def __init__(self, items, pre, classes, aux):
        self.items, self.pre = items, pre
        k = len(classes)
        self.targets = torch.zeros(len(items), k)
        for i, it in enumerate(items):
            self.targets[i, it['labels']] = 1.0
        # The auxiliary labels, and a mask of the images that have them (the others add nothing to L_aux).
        self.aux_targets = torch.zeros(len(items), aux['numClasses'] if aux else 0)
        self.aux_mask = torch.zeros(len(items))
        for i, it in enumerate(items):
            if aux and it.get('aux') is not None:
                self.aux_targets[i, it['aux']] = 1.0
                self.aux_mask[i] = 1.0
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
    """Eval mode over this rank's share of the split, summed over ranks: mean loss, accuracy, macro AUC (the app's validate)."""
    model.eval()
    rows = list(range(rank, len(data.items), world))
    k = data.targets.shape[1]
    # Every rank fills its rows; the sum over ranks is every row's probabilities (a + 0 is exact).
    probs = torch.zeros(len(data.items), k, dtype=torch.float64, device=device)
    loss_sum, correct, count = 0.0, 0.0, 0.0
    with torch.no_grad():
        for i in range(0, len(rows), batch):
            r = rows[i:i + batch]
            logits = model(data.pixels(r).to(device))
            t = data.targets[r].to(device)
            if cfg['multiLabel']:
                loss = weighted_bce(logits, t, None, 0)
                p = torch.sigmoid(logits)
                correct += float(((p >= 0.5) == (t > 0.5)).sum())
                count += t.numel()
            else:
                loss = weighted_ce(logits, t, None, 0)
                p = torch.softmax(logits, 1)
                correct += float(t[torch.arange(len(r)), logits.argmax(1)].sum())
                count += len(r)
            probs[r] = p.double()
            loss_sum += float(loss) * len(r)
    if world > 1:
        dist.all_reduce(probs)
    loss_sum, correct, count, n = all_sum([loss_sum, correct, count, len(rows)], device, world)
    auc = macro_auc(probs.cpu().float().tolist(), data.targets.tolist())
    return loss_sum / max(n, 1), correct / max(count, 1), auc


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
    aux = cfg.get('aux')
    train = Data([it for it in items if it['split'] == 'train'], pre, classes, aux)
    val = Data([it for it in items if it['split'] == 'val'], pre, classes, aux)
    model = build_model(cfg['arch'], len(classes), cfg['imageSize'])
    if cfg.get('lora'):
        add_lora(model, cfg['lora']['rank'], cfg['lora']['scale'])
    if cfg.get('adapters'):
        add_adapters(model, cfg['adapters']['sites'], cfg['adapters']['activation'])
    if aux:
        add_aux_head(model, aux['numClasses'], aux['schedule'] == 'uncertainty')
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
            if aux:
                auxf = weighted_bce if aux['multiLabel'] else weighted_ce
                mask = train.aux_mask[mine].to(device)
                aux_loss = auxf(model.aux_logits, train.aux_targets[mine].to(device), None, 0, denominator=max(float(train.aux_mask[rows].sum()), 1e-12), sample_weights=mask)
                loss = combine_losses(loss, aux_loss, aux, getattr(getattr(model, 'multitask', None), 'log_vars', None), epoch, epochs, world)
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
        val_loss, val_acc, val_auc = evaluate(model, val, cfg, device, world, rank, max(1, 2 * B // world))
        best = loop['bestLoss'] is None or val_loss < loop['bestLoss'] - 1e-7
        loop = {
            'epoch': epoch + 1,
            'bestLoss': val_loss if best else loop['bestLoss'],
            'bestEpoch': epoch + 1 if best else loop['bestEpoch'],
            'badEpochs': 0 if best else loop['badEpochs'] + 1,
            'wallSeconds': loop['wallSeconds'] + time.time() - t0,
        }
        row = {
            'epoch': epoch + 1, 'trainLoss': loss_sum / steps, 'valLoss': val_loss, 'valAccuracy': val_acc, 'valAuc': val_auc,
            'learningRates': lrs, 'imagesPerSec': steps * bs / max(train_seconds, 1e-9), 'trainableGroups': sched['trainableGroups'],
            'alpha': logged_alpha(aux, model.multitask.log_vars if hasattr(model, 'multitask') else None, epoch, epochs) if aux else None,
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
