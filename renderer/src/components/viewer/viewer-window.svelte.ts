import type { EngineClient } from '../../../../shared/contract/index.ts';
import type { PixelLevels } from '../../../../shared/domain/images.ts';
import type { Preset, WindowLevel } from './window-level.ts';
import { rememberWindow, rememberedWindow } from './window-memory.ts';

const NO_LEVELS: PixelLevels = { min: 0, max: 0, percentiles: [] };

/**
 * The viewer's window/level: the one chosen (`win`), the one on screen (`renderWin`, at most one
 * render request behind while dragging), the preset it came from, and each image's choice kept.
 */
export class ViewerWindow {
  win = $state<WindowLevel | null>(null);
  renderWin = $state<WindowLevel | null>(null);
  /** The preset last applied; null once the window is dragged or was remembered. */
  presetId = $state<string | null>('auto');
  private pending = false;
  /** The shown image's value spread, fetched when a percentile preset first needs it. */
  private levels: PixelLevels | null = null;
  private imageId: number | null = null;
  private hash: string | null = null;

  constructor(private readonly client: EngineClient) {}

  /** Another image: its own default until its details arrive. */
  clear(imageId: number): void {
    this.imageId = imageId;
    this.hash = null;
    this.win = null;
    this.renderWin = null;
    // A new image is a new request: a window of the last image still loading must not hold it back.
    this.pending = false;
    this.levels = null;
    this.presetId = 'auto';
  }

  /** The image's details arrived: show the window chosen for it before, if any. */
  adopt(hash: string): void {
    this.hash = hash;
    const kept = rememberedWindow(hash);
    if (kept) {
      this.presetId = null;
      this.show(kept);
    }
  }

  /** Ask the engine for the next window only when the last one arrived, so a drag never queues renders. */
  show(w: WindowLevel | null): void {
    this.win = w;
    if (this.hash !== null) rememberWindow(this.hash, w);
    if (this.pending || JSON.stringify(w) === JSON.stringify(this.renderWin)) return;
    this.pending = true;
    this.renderWin = w;
  }

  /** The image on screen loaded (or failed): send the window chosen meanwhile. */
  loaded(): void {
    this.pending = false;
    if (JSON.stringify(this.win) !== JSON.stringify(this.renderWin)) this.show(this.win);
  }

  dragTo(w: WindowLevel): void {
    this.presetId = null;
    this.show(w);
  }

  /** Apply a preset; percentile presets read the image's levels once. */
  async apply(p: Preset): Promise<void> {
    const id = this.imageId;
    if (id === null) return;
    const spread = p.needsLevels ? (this.levels ??= await this.client.invoke('images.levels', { id })) : NO_LEVELS;
    if (id !== this.imageId) return;
    this.presetId = p.id;
    this.show(p.window(spread));
  }
}
