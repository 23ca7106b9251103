"""torchrun's environment contract, and BatchNorm over the global batch of all ranks."""
import os

import torch
import torch.distributed as dist
import torch.distributed.nn as dist_nn
import torch.nn as nn


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
