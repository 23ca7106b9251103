"""safetensors by hand (8-byte header length, JSON header, raw little-endian data): no extra packages."""
import json
import os
import struct
from pathlib import Path

import numpy as np
import torch


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
