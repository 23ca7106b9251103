import { SvelteMap, SvelteSet } from 'svelte/reactivity';
import type { EngineClient, Events } from '../../../../shared/contract/index.ts';
import { type CountsDelta, type CountsMoved, applyToImageCounts, applyToTasks } from '../../../../shared/domain/counts.ts';
import type { ImageCounts, ImageFilter, ImageSummary, ImageSort } from '../../../../shared/domain/images.ts';
import type { LabelChange, LabelClass, LabelTask } from '../../../../shared/domain/labels.ts';

/** An id for one view's writes, unique enough among the windows and tabs of one engine. */
const newClientId = (): string => `view-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
const hasFilter = (f: ImageFilter): boolean => Object.values(f).some((v) => v !== undefined);

/** Rows fetched per `images.list` call while scrolling; small enough to answer in a frame or two. */
export const PAGE_SIZE = 200;
/** `images.list` answers at most this many rows, so "select all" pages through with it. */
const MAX_PAGE = 1000;

export interface SelectModifiers {
  /** Shift: extend from the anchor to this image. */
  range?: boolean;
  /** Ctrl/Cmd: add or remove this image, keep the rest. */
  toggle?: boolean;
}

/**
 * The image browser's model: the filter, the pages of `images.list` fetched so far (only the ones
 * the grid has scrolled to), counts, the label sets, the cursor and the selection. Positions are
 * indexes into the filtered list, so 50,000 images never sit in memory at once.
 */
export class DatasetState {
  filter = $state<ImageFilter>({});
  sort = $state<ImageSort>('id');
  total = $state(0);
  counts = $state<ImageCounts | null>(null);
  tasks = $state<LabelTask[]>([]);
  cursor = $state(0);
  /** Thumbnails per row, set by the grid as it measures itself; arrows up/down move by this. */
  columns = $state(1);
  readonly pages = new SvelteMap<number, ImageSummary[]>();
  /** Selected image ids (ids, not positions, so a reload keeps them). */
  readonly selected = new SvelteSet<number>();
  readonly mainTask = $derived(this.tasks.find((t) => t.role === 'main') ?? null);
  readonly classes = $derived<LabelClass[]>(this.mainTask?.classes ?? []);
  readonly current = $derived(this.itemAt(this.cursor));
  /** Sent with this view's writes and echoed by their events, which are then skipped: the answer was applied. */
  readonly clientId = newClientId();
  private anchor = 0;
  private readonly loading = new Set<number>();
  /** Bumped by every reload, so pages of an older filter that answer late are dropped. */
  private generation = 0;

  constructor(
    private readonly client: EngineClient,
    private readonly onError: (e: unknown) => void,
  ) {}

  /** Start over with this filter: counts, label sets and the first page. */
  async setFilter(filter: ImageFilter): Promise<void> {
    this.filter = filter;
    this.cursor = 0;
    this.anchor = 0;
    await this.reload();
  }

  /** Order the grid by id, path, import time or group (patient / lot). */
  async setSort(sort: ImageSort): Promise<void> {
    this.sort = sort;
    this.cursor = 0;
    this.anchor = 0;
    await this.reload();
  }

  async reload(): Promise<void> {
    this.generation++;
    this.pages.clear();
    this.loading.clear();
    await Promise.all([this.loadPage(0), this.refreshCounts()]);
  }

  /** Counts and classes afresh: on load, after a failed write, or when a delta cannot be applied. */
  async refreshCounts(): Promise<void> {
    try {
      const [counts, tasks] = await Promise.all([
        this.client.invoke('images.counts', { filter: this.filter }),
        this.client.invoke('labels.tasks', {}),
      ]);
      this.counts = counts;
      this.tasks = tasks;
    } catch (e) {
      this.onError(e);
    }
  }

  /** What a write of this view sends so its answer carries the deltas of these counts. */
  countedArgs(): { filter: ImageFilter; clientId: string } {
    return { filter: this.filter, clientId: this.clientId };
  }

  /** Apply the counts our own write answered; `sentWith` is the filter it was sent with. */
  applyCounts(moved: CountsMoved, sentWith: ImageFilter): void {
    this.tasks = applyToTasks(this.tasks, moved.counts);
    // A reload for another filter may have overtaken the write: its counts cannot take this delta.
    if (sentWith !== this.filter) void this.refreshCounts();
    else if (this.counts) this.counts = applyToImageCounts(this.counts, moved.filtered ?? moved.counts);
  }

  /** Labels changed by another client (window, CLI, prediction run); our own writes were applied from their answers. */
  onLabelsChanged(e: Events['labels.changed']): void {
    if (e.clientId === this.clientId) return;
    this.applyForeign(e.counts);
    // Tiles follow other windows live: with the new classes at hand, or by fetching the pages shown.
    if (e.changed) this.applyChange({ batchId: null, changed: e.changed, skipped: [] });
    else if (this.showsAny(e.imageIds)) void this.refetchPages();
  }

  private showsAny(imageIds: number[]): boolean {
    const ids = new Set(imageIds);
    return [...this.pages.values()].some((items) => items.some((i) => ids.has(i.id)));
  }

  /** The loaded pages again, in place (a class merge or delete elsewhere): the cursor and selection stay. */
  private async refetchPages(): Promise<void> {
    const generation = this.generation;
    for (const page of [...this.pages.keys()]) {
      try {
        const res = await this.client.invoke('images.list', { filter: this.filter, sort: this.sort, offset: page * PAGE_SIZE, limit: PAGE_SIZE });
        if (generation !== this.generation) return;
        this.total = res.total;
        this.pages.set(page, res.items);
      } catch (e) {
        this.onError(e);
      }
    }
  }

  /** Images excluded or included by another client (or the image viewer, which sends no client id). */
  onExcluded(e: Events['images.excluded']): void {
    if (e.clientId === this.clientId) return;
    this.applyExcluded(e.imageIds, e.excluded);
    this.applyForeign(e.counts);
  }

  /** A whole-project delta fits the label sets, and the sidebar only while no filter narrows it. */
  private applyForeign(delta: CountsDelta | undefined): void {
    if (!delta || hasFilter(this.filter)) return void this.refreshCounts();
    this.tasks = applyToTasks(this.tasks, delta);
    if (this.counts) this.counts = applyToImageCounts(this.counts, delta);
  }

  /** Make sure the rows from..to (inclusive positions) are loaded or on their way. */
  ensureRange(from: number, to: number): void {
    const last = Math.min(to, this.total - 1);
    for (let page = Math.floor(Math.max(0, from) / PAGE_SIZE); page * PAGE_SIZE <= last; page++) {
      if (!this.pages.has(page) && !this.loading.has(page)) void this.loadPage(page);
    }
  }

  itemAt(position: number): ImageSummary | undefined {
    return this.pages.get(Math.floor(position / PAGE_SIZE))?.[position % PAGE_SIZE];
  }

  private async loadPage(page: number): Promise<void> {
    const generation = this.generation;
    this.loading.add(page);
    try {
      const res = await this.client.invoke('images.list', { filter: this.filter, sort: this.sort, offset: page * PAGE_SIZE, limit: PAGE_SIZE });
      if (generation !== this.generation) return;
      this.total = res.total;
      this.pages.set(page, res.items);
    } catch (e) {
      this.onError(e);
    } finally {
      if (generation === this.generation) this.loading.delete(page);
    }
  }

  /** Click semantics of file managers: plain click selects one, shift extends, ctrl/cmd toggles. */
  select(position: number, mods: SelectModifiers = {}): void {
    const item = this.itemAt(position);
    if (!item) return;
    this.cursor = position;
    if (mods.range) {
      if (!mods.toggle) this.selected.clear();
      const [a, b] = this.anchor <= position ? [this.anchor, position] : [position, this.anchor];
      for (let i = a; i <= b; i++) {
        const it = this.itemAt(i);
        if (it) this.selected.add(it.id);
      }
      return;
    }
    this.anchor = position;
    if (mods.toggle) {
      if (this.selected.has(item.id)) this.selected.delete(item.id);
      else this.selected.add(item.id);
      return;
    }
    this.selected.clear();
    this.selected.add(item.id);
  }

  /** Move the cursor (clamped); with `extend` the selection grows from the anchor like shift-click. */
  moveTo(position: number, extend = false): void {
    const target = Math.max(0, Math.min(this.total - 1, position));
    if (this.total === 0) return;
    this.ensureRange(target, target);
    if (extend) this.select(target, { range: true });
    else {
      this.cursor = target;
      this.anchor = target;
      this.selected.clear();
    }
  }

  /** Put the cursor on image `id`, its page loaded (a reload reopening the viewer); false when the filter's list does not hold it. */
  async moveToImage(id: number): Promise<boolean> {
    const { position } = await this.client.invoke('images.locate', { id, filter: this.filter, sort: this.sort });
    if (position === null) return false;
    const page = Math.floor(position / PAGE_SIZE);
    if (!this.pages.has(page)) await this.loadPage(page);
    if (this.itemAt(position)?.id !== id) return false;
    this.moveTo(position);
    return true;
  }

  /** Every image of the filter, paging through `images.list`. */
  async selectAll(): Promise<void> {
    try {
      const ids: number[] = [];
      for (let offset = 0; offset < Math.max(this.total, 1); offset += MAX_PAGE) {
        const res = await this.client.invoke('images.list', { filter: this.filter, sort: this.sort, offset, limit: MAX_PAGE });
        ids.push(...res.items.map((i) => i.id));
        if (res.items.length < MAX_PAGE) break;
      }
      this.selected.clear();
      for (const id of ids) this.selected.add(id);
    } catch (e) {
      this.onError(e);
    }
  }

  /** What a label key acts on: the selection when several are selected, else the image under the cursor. */
  targets(): number[] {
    if (this.selected.size > 1) return [...this.selected];
    const item = this.itemAt(this.cursor);
    return item ? [item.id] : [];
  }

  /**
   * Patch the loaded rows with what a label change did; the list keeps its order until a reload.
   * A main-task change says whether the image's label is now a model's guess (the tile's marker).
   */
  applyChange(change: LabelChange): void {
    const byImage = new Map(change.changed.map((c) => [c.imageId, c]));
    if (byImage.size === 0) return;
    for (const [page, items] of this.pages) {
      let touched = false;
      const next = items.map((item) => {
        const c = byImage.get(item.id);
        if (!c) return item;
        touched = true;
        const ofTask = new Set(this.tasks.find((t) => t.id === c.taskId)?.classes.map((k) => k.id) ?? []);
        const { fromModel, ...rest } = item;
        const model = c.model ?? (c.taskId === this.mainTask?.id ? undefined : fromModel);
        return { ...rest, labels: [...item.labels.filter((id) => !ofTask.has(id)), ...c.classIds], ...(model ? { fromModel: model } : {}) };
      });
      if (touched) this.pages.set(page, next);
    }
  }

  /** Mark loaded rows excluded or included after `images.exclude` / `images.include`. */
  applyExcluded(imageIds: number[], excluded: boolean): void {
    const ids = new Set(imageIds);
    for (const [page, items] of this.pages) {
      if (items.some((i) => ids.has(i.id))) this.pages.set(page, items.map((i) => (ids.has(i.id) ? { ...i, excluded } : i)));
    }
  }
}
