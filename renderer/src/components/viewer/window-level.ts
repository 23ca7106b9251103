/** A display window in the image's stored values (Hounsfield units for CT, raw values otherwise). */
export interface WindowLevel {
  center: number;
  width: number;
}

/** The radiology presets the viewer offers; `auto` is the image's own default window. */
export const PRESETS: { id: string; label: string; window: WindowLevel | null }[] = [
  { id: 'auto', label: 'Auto', window: null },
  { id: 'lung', label: 'Lung W1500/L-600', window: { center: -600, width: 1500 } },
  { id: 'bone', label: 'Bone W2000/L300', window: { center: 300, width: 2000 } },
  { id: 'soft', label: 'Soft tissue W400/L40', window: { center: 40, width: 400 } },
];

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
