import type { EngineClient } from '../../../../shared/contract/index.ts';
import type { LabelClass, TaskMode } from '../../../../shared/domain/labels.ts';
import { chunks } from '../api/chunks.ts';
import type { DatasetState } from './dataset.svelte.ts';
import { SESSION_ID } from './session.ts';
import { stepHistory } from './undo-step.ts';

/** The parts of a KeyboardEvent the key map reads (a plain object in tests). */
export interface KeyInput {
  key: string;
  shiftKey?: boolean;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
}

export type LabelAction =
  | { kind: 'label'; classId: number }
  | { kind: 'toggle'; classId: number }
  | { kind: 'toggleActive' }
  | { kind: 'move'; rows: number; cols: number; extend: boolean }
  | { kind: 'step'; by: number }
  | { kind: 'exclude' }
  | { kind: 'undo' }
  | { kind: 'redo' }
  | { kind: 'open' }
  | { kind: 'help' }
  | { kind: 'selectAll' }
  | { kind: 'clear' };

const ARROWS: Record<string, [rows: number, cols: number]> = {
  ArrowLeft: [0, -1],
  ArrowRight: [0, 1],
  ArrowUp: [-1, 0],
  ArrowDown: [1, 0],
};

/**
 * The labelling key map, pure so it can be tested without a DOM. Digits 1-9 pick the class at that
 * position, a class's own shortcut letter picks it too; in multi-label mode they toggle instead.
 * Returns null for keys that are not ours (they keep their default behaviour).
 */
export function keyToAction(e: KeyInput, classes: readonly LabelClass[], mode: TaskMode): LabelAction | null {
  const command = e.ctrlKey || e.metaKey;
  if (command) {
    const k = e.key.toLowerCase();
    if (k === 'z') return e.shiftKey ? { kind: 'redo' } : { kind: 'undo' };
    if (k === 'y') return { kind: 'redo' };
    if (k === 'a') return { kind: 'selectAll' };
    return null;
  }
  if (e.altKey) return null;
  const arrow = ARROWS[e.key];
  if (arrow) return { kind: 'move', rows: arrow[0], cols: arrow[1], extend: !!e.shiftKey };
  if (e.key === 'Enter') return { kind: 'open' };
  if (e.key === '?') return { kind: 'help' };
  if (e.key === 'Escape') return { kind: 'clear' };
  if (e.key === ' ' && mode === 'multi') return { kind: 'toggleActive' };
  const cls = classForKey(e.key, classes);
  if (cls) return mode === 'multi' ? { kind: 'toggle', classId: cls.id } : { kind: 'label', classId: cls.id };
  // After the class shortcuts, so a class may claim the letter x for itself.
  if (e.key === 'x' || e.key === 'X') return { kind: 'exclude' };
  return null;
}

/** Keys the viewer passes on: labels, undo/redo, and stepping through the filter's order. */
const VIEWER_KINDS = new Set<LabelAction['kind']>(['label', 'toggle', 'toggleActive', 'undo', 'redo']);
const STEPS: Record<string, number> = { ArrowRight: 1, ArrowDown: 1, j: 1, ArrowLeft: -1, ArrowUp: -1, k: -1 };

/**
 * The viewer's key map: the grid's label keys (a class shortcut may claim j or k), and arrows or
 * j / k to the next / previous image of the current filter and sort, one image at a time.
 */
export function viewerKeyToAction(e: KeyInput, classes: readonly LabelClass[], mode: TaskMode): LabelAction | null {
  const action = keyToAction(e, classes, mode);
  if (action && VIEWER_KINDS.has(action.kind)) return action;
  const plain = !e.ctrlKey && !e.metaKey && !e.altKey && !e.shiftKey;
  return plain && STEPS[e.key] !== undefined ? { kind: 'step', by: STEPS[e.key] } : null;
}

function classForKey(key: string, classes: readonly LabelClass[]): LabelClass | undefined {
  if (/^[1-9]$/.test(key)) return [...classes].sort((a, b) => a.position - b.position)[Number(key) - 1];
  const lower = key.toLowerCase();
  return key.length === 1 ? classes.find((c) => c.shortcut?.toLowerCase() === lower) : undefined;
}

/**
 * Runs key actions against the engine: each label key is persisted at once with `labels.set`, one
 * call whose answer carries the rows and the count deltas (its event is for other clients).
 */
export class LabellingState {
  showHelp = $state(false);
  /** The class space toggles in multi-label mode: the last one picked with a key. */
  activeClass = $state<number | null>(null);
  /** Set when Enter asks for the viewer; the view opens it. */
  viewing = $state<number | null>(null);

  constructor(
    private readonly client: EngineClient,
    private readonly dataset: DatasetState,
    private readonly onError: (e: unknown) => void,
    /** Asks before a bulk or import undo; the view passes a confirm dialog. */
    private readonly ask: (question: string) => boolean | Promise<boolean> = () => false,
    private readonly session: string = SESSION_ID,
  ) {}

  get mode(): TaskMode {
    return this.dataset.mainTask?.mode ?? 'single';
  }

  /** Handle a key of the grid; returns true when it was ours (the caller prevents the default). */
  handleKey(e: KeyInput): boolean {
    const action = keyToAction(e, this.dataset.classes, this.mode);
    if (!action) return false;
    void this.run(action);
    return true;
  }

  /** A key pressed in the viewer; returns true when it was ours. The viewer follows the cursor. */
  handleViewerKey(e: KeyInput): boolean {
    const action = viewerKeyToAction(e, this.dataset.classes, this.mode);
    if (!action) return false;
    void this.run(action);
    return true;
  }

  /** Show the image at this position in the viewer, with the cursor (and nothing else selected) on it. */
  openAt(position: number): void {
    this.dataset.moveTo(position);
    this.viewing = this.dataset.itemAt(position)?.id ?? null;
  }

  /** The viewer on image `id` again (after a reload); an image the grid no longer lists leaves the grid as it is. */
  async reopen(id: number): Promise<void> {
    try {
      if (await this.dataset.moveToImage(id)) this.viewing = id;
    } catch (e) {
      this.onError(e);
    }
  }

  async run(action: LabelAction): Promise<void> {
    const d = this.dataset;
    switch (action.kind) {
      case 'label':
        return this.label(action.classId, 'replace', true);
      case 'toggle':
        this.activeClass = action.classId;
        return this.label(action.classId, 'toggle', false);
      case 'toggleActive':
        if (this.activeClass !== null) return this.label(this.activeClass, 'toggle', false);
        return;
      case 'move':
        return d.moveTo(d.cursor + action.rows * d.columns + action.cols, action.extend);
      case 'step':
        return d.moveTo(d.cursor + action.by);
      case 'exclude':
        return this.exclude();
      case 'undo':
        return this.history('labels.undo');
      case 'redo':
        return this.history('labels.redo');
      case 'open':
        return this.openAt(d.cursor);
      case 'help':
        this.showHelp = !this.showHelp;
        return;
      case 'selectAll':
        return d.selectAll();
      case 'clear':
        this.showHelp = false;
        return d.moveTo(d.cursor);
    }
  }

  /** Label the selection (or the cursor image); a single image advances to the next one. */
  async label(classId: number, mode: 'replace' | 'toggle', advance: boolean): Promise<void> {
    const imageIds = this.dataset.targets();
    if (imageIds.length === 0) return;
    const single = imageIds.length === 1;
    if (advance && single) this.dataset.moveTo(this.dataset.cursor + 1);
    const d = this.dataset;
    await this.apply(async () => {
      // A large selection goes in parts (one frame each); later parts join the first part's undo
      // batch, so Ctrl+Z still takes back the whole key press.
      let batch: string | null = null;
      for (const part of chunks(imageIds)) {
        const joining: { continueBatch?: string } = batch === null ? {} : { continueBatch: batch };
        const sent = d.countedArgs();
        const change = await this.client.invoke('labels.set', { imageIds: part, classIds: [classId], mode, ...joining, ...sent, session: this.session });
        batch ??= change.batchId;
        d.applyChange(change);
        d.applyCounts(change, sent.filter);
      }
    });
  }

  /** x flips exclusion: if every target is excluded already it takes them back in. */
  async exclude(): Promise<void> {
    const d = this.dataset;
    const imageIds = d.targets();
    if (imageIds.length === 0) return;
    const allExcluded = imageIds.every((id) => this.excludedNow(id));
    if (imageIds.length === 1 && !allExcluded) d.moveTo(d.cursor + 1);
    await this.apply(async () => {
      for (const part of chunks(imageIds)) {
        const sent = d.countedArgs();
        const moved = allExcluded
          ? await this.client.invoke('images.include', { imageIds: part, ...sent })
          : await this.client.invoke('images.exclude', { imageIds: part, reason: 'Excluded while labelling', ...sent });
        d.applyExcluded(part, !allExcluded);
        d.applyCounts(moved, sent.filter);
      }
    });
  }

  private excludedNow(id: number): boolean {
    for (const items of this.dataset.pages.values()) {
      const hit = items.find((i) => i.id === id);
      if (hit) return hit.excluded;
    }
    return false;
  }

  /** Undo or redo this window's own last action (see stepHistory), applied to the grid's tiles and counts. */
  private history(method: 'labels.undo' | 'labels.redo'): Promise<void> {
    return this.apply(async () => {
      const taken = await stepHistory(this.client, method, { session: this.session, ask: this.ask, counted: () => this.dataset.countedArgs() });
      if (!taken) return;
      // Images whose split went back (or came again) may have left or joined the grid's split filter.
      if (taken.change.split?.restored) return this.dataset.reload();
      this.dataset.applyChange(taken.change);
      this.dataset.applyCounts(taken.change, taken.sent.filter);
    });
  }

  /** Runs a change; after a failure the counts are fetched again (a part may have landed with its answer lost). */
  private async apply(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (e) {
      this.onError(e);
      await this.dataset.refreshCounts();
    }
  }
}
