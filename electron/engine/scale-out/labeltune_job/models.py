"""Models under timm's names: torchvision's ResNets, a ViT written out, LoRA on q/v through the fused qkv, bottleneck adapters."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .safetensors import timm_state


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


class Dense(nn.Module):
    """A dense layer in the app's layout (weight [in, out], y = x W + b), so the job's tensors load as they are."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(n_in, n_out))
        self.bias = nn.Parameter(torch.zeros(n_out))

    def forward(self, x):
        return x @ self.weight + self.bias


class Adapter(nn.Module):
    """Houlsby bottleneck x + up(act(down(x))) over the channels (extensions.ts createAdapters); up starts at zero."""

    def __init__(self, channels, bottleneck, activation):
        super().__init__()
        self.down = Dense(channels, bottleneck)
        self.up = Dense(bottleneck, channels)
        # The app's GELU for adapters is the tanh approximation (extensions.ts gelu).
        self.act = F.relu if activation == 'relu' else (lambda x: F.gelu(x, approximate='tanh'))

    def forward(self, x):
        channels_last = x.dim() == 4  # a ResNet stage's NCHW output: the app works on NHWC's last axis
        h = x.permute(0, 2, 3, 1) if channels_last else x
        h = h + self.up(self.act(self.down(h)))
        return h.permute(0, 3, 1, 2) if channels_last else h


def add_adapters(model, sites, activation):
    """Adapters on the outputs of the config's sites (layer1..4 or blocks.N), named as the app's (adapters.layer1.down.weight ...)."""
    model.adapters = nn.Module()
    for site, (channels, bottleneck) in sites.items():
        parent_name, _, leaf = site.rpartition('.')
        holder = model.adapters
        if parent_name:  # blocks.3: a ModuleDict per parent keeps the names adapters.blocks.3.*
            if not hasattr(holder, parent_name):
                holder.add_module(parent_name, nn.ModuleDict())
            holder = getattr(holder, parent_name)
        adapter = Adapter(channels, bottleneck, activation)
        holder.add_module(leaf, adapter)
        model.get_submodule(site).register_forward_hook(lambda _m, _inputs, out, a=adapter: a(out))


def add_aux_head(model, num_classes, uncertainty):
    """The auxiliary head on the pre-logits features (aux-head.ts), run inside the model's forward so that DDP sees it:
    a hook on the classifier keeps its logits in model.aux_logits. Learned task weights as multitask.log_vars."""
    classifier = model.fc if hasattr(model, 'fc') else model.head
    model.aux_head = Dense(classifier.in_features, num_classes)
    if uncertainty:
        model.multitask = nn.Module()
        model.multitask.log_vars = nn.Parameter(torch.zeros(2))

    def keep(_m, inputs, _out):
        model.aux_logits = model.aux_head(inputs[0])
    classifier.register_forward_hook(keep)


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
