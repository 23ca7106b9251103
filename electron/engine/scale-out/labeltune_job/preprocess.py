"""The app's preprocessing (electron/training/preprocess/), step by step, as preprocessing.json describes it."""
import math

import numpy as np
import torch


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
