import type { PixelLevels } from '../../../../shared/domain/images.ts';

/** A display window in the image's stored values (Hounsfield units for CT, raw values otherwise). */
export interface WindowLevel {
  center: number;
  width: number;
}

/**
 * A display preset. CT presets are fixed Hounsfield windows; the others are read off the image's
 * own value spread (percentiles), because a radiograph's raw values mean nothing absolute: "Lung
 * W1500/L-600" turns a 16-bit radiograph all white.
 */
export interface Preset {
  id: string;
  label: string;
  /** null: the image's own default window. */
  window: (levels: PixelLevels) => WindowLevel | null;
  /** True when the window needs the image's percentiles (fetched on first use). */
  needsLevels: boolean;
}

const fixed = (id: string, label: string, w: WindowLevel | null): Preset => ({ id, label, window: () => w, needsLevels: false });
const spread = (id: string, label: string, lo: number, hi: number): Preset => ({
  id,
  label,
  window: (l) => fromRange(lo === 0 ? l.min : l.percentiles[lo], hi === 100 ? l.max : l.percentiles[hi]),
  needsLevels: true,
});

/** Hounsfield windows: they mean something only for CT. */
export const CT_PRESETS: Preset[] = [
  fixed('auto', 'Auto', null),
  fixed('lung', 'Lung W1500/L-600', { center: -600, width: 1500 }),
  fixed('soft', 'Soft tissue W400/L40', { center: 40, width: 400 }),
  fixed('bone', 'Bone W2000/L300', { center: 300, width: 2000 }),
  fixed('brain', 'Brain W80/L40', { center: 40, width: 80 }),
];

/** Radiographs, photographs, microscopy: full range, and the darker (soft) or brighter (bone) part of the values. */
export const SPREAD_PRESETS: Preset[] = [
  fixed('auto', 'Auto', null),
  spread('full', 'Full range', 0, 100),
  spread('soft', 'Soft (2-75%)', 2, 75),
  spread('bone', 'Bone (40-99%)', 40, 99),
];

/** The presets that make sense for an image of this modality (DICOM Modality tag, null for plain files). */
export function presetsFor(modality: string | null): Preset[] {
  return modality?.trim().toUpperCase() === 'CT' ? CT_PRESETS : SPREAD_PRESETS;
}

/** The window showing exactly the values lo..hi. */
export function fromRange(lo: number, hi: number): WindowLevel {
  return { center: Math.round((lo + hi) / 2), width: Math.max(1, Math.round(hi - lo)) };
}

/** The window an image shows without one set: its stored default, else its full value range. */
export function defaultWindow(window: WindowLevel | null, bitDepth: number): WindowLevel {
  if (window) return window;
  const range = 2 ** Math.max(1, bitDepth);
  return { center: range / 2, width: range };
}

/**
 * Right-drag (or shift-drag) window/level as in most PACS viewers: horizontal movement changes the
 * width, vertical the centre, both scaled to the current width so a drag feels the same on 8-bit
 * photographs and 16-bit CT.
 */
export function dragWindow(start: WindowLevel, dx: number, dy: number): WindowLevel {
  const step = Math.max(start.width, 1) / 256;
  return { center: Math.round(start.center + dy * step), width: Math.max(1, Math.round(start.width + dx * step)) };
}

/** Zoom about a point (the mouse) so the pixel under it stays put. */
export function zoomAt(zoom: number, pan: { x: number; y: number }, at: { x: number; y: number }, deltaY: number) {
  const next = Math.min(32, Math.max(0.1, zoom * Math.exp(-deltaY / 500)));
  const k = next / zoom;
  return { zoom: next, pan: { x: at.x - (at.x - pan.x) * k, y: at.y - (at.y - pan.y) * k } };
}

/** The `render/` asset path for this view. */
export function renderPath(imageId: number, window: WindowLevel | null, invert: boolean, size: number): string {
  const q = new URLSearchParams({ size: String(size) });
  if (window) {
    q.set('wc', String(window.center));
    q.set('ww', String(window.width));
  }
  if (invert) q.set('invert', '1');
  return `render/${imageId}?${q}`;
}
