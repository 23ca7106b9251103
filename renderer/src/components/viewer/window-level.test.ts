import { describe, expect, it } from 'vitest';
import { defaultWindow, dragWindow, fromRange, presetsFor, renderPath, zoomAt } from './window-level.ts';

describe('window/level', () => {
  const levels = { min: 1000, max: 41_000, percentiles: Array.from({ length: 101 }, (_, p) => 1000 + p * 400) };

  it('offers Hounsfield presets for CT only', () => {
    const ct = presetsFor('CT');
    expect(ct.map((p) => p.window(levels))).toEqual([
      null,
      { center: -600, width: 1500 },
      { center: 40, width: 400 },
      { center: 300, width: 2000 },
      { center: 40, width: 80 },
    ]);
    for (const modality of ['DX', 'CR', null, 'MR']) expect(presetsFor(modality).map((p) => p.id)).not.toContain('lung');
  });

  it('reads radiograph presets off the image percentiles, so a 16-bit radiograph is never all white', () => {
    const [auto, full, soft, bone] = presetsFor('DX');
    expect(auto.window(levels)).toBeNull();
    expect(full.window(levels)).toEqual({ center: 21_000, width: 40_000 });
    expect(soft.window(levels)).toEqual(fromRange(1800, 31_000));
    expect(bone.window(levels)).toEqual(fromRange(17_000, 40_600));
    // Every radiograph window lies inside the image's own values.
    for (const p of [full, soft, bone]) {
      const w = p.window(levels)!;
      expect(w.center - w.width / 2).toBeGreaterThanOrEqual(levels.min);
      expect(w.center + w.width / 2).toBeLessThanOrEqual(levels.max);
    }
  });

  it('drags width horizontally and centre vertically, scaled to the width, never below 1', () => {
    expect(dragWindow({ center: 40, width: 400 }, 64, -128)).toEqual({ center: -160, width: 500 });
    expect(dragWindow({ center: 128, width: 256 }, -1000, 0)).toEqual({ center: 128, width: 1 });
  });

  it('falls back to the full range of the bit depth', () => {
    expect(defaultWindow(null, 12)).toEqual({ center: 2048, width: 4096 });
    expect(defaultWindow({ center: 1, width: 2 }, 12)).toEqual({ center: 1, width: 2 });
  });

  it('zooms about the mouse so the point under it stays put', () => {
    const { zoom, pan } = zoomAt(1, { x: 0, y: 0 }, { x: 100, y: 50 }, -500 * Math.log(2));
    expect(zoom).toBeCloseTo(2, 6);
    expect(pan.x).toBeCloseTo(-100, 6);
    expect(pan.y).toBeCloseTo(-50, 6);
  });

  it('builds the render query the engine parses', () => {
    expect(renderPath(42, { center: -600, width: 1500 }, true, 1024)).toBe('render/42?size=1024&wc=-600&ww=1500&invert=1');
    expect(renderPath(42, null, false, 512)).toBe('render/42?size=512');
  });
});
