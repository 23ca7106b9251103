import type { NearClusterPage } from '../../../../shared/contract/duplicates.ts';
import type { EngineClient } from '../../../../shared/contract/index.ts';
import { chunks } from '../api/chunks.ts';

/** Clusters fetched per page; "Show more" adds the next. */
const PAGE = 50;

/**
 * Near-duplicate clusters and what can be done about them in bulk: keep one image of each set and
 * exclude the others, or put each set in one group so that a split keeps it together.
 */
export class NearDuplicates {
  page = $state<NearClusterPage | null>(null);
  /** Indices (into page.clusters) of the clusters ticked for a bulk action. */
  selected = $state<number[]>([]);
  busy = $state(false);
  /** What the last bulk action did, in words. */
  done = $state<string | null>(null);

  constructor(
    private readonly client: EngineClient,
    private readonly onError: (e: unknown) => void,
    /** Called after a bulk action changed the project (the leakage report is stale then). */
    private readonly onChanged: () => void = () => {},
  ) {}

  async load(limit = PAGE): Promise<void> {
    try {
      this.page = await this.client.invoke('images.nearClusters', { limit });
      this.selected = [];
    } catch (e) {
      this.onError(e);
    }
  }

  showMore(): Promise<void> {
    return this.load((this.page?.clusters.length ?? 0) + PAGE);
  }

  toggle(index: number): void {
    this.selected = this.selected.includes(index) ? this.selected.filter((i) => i !== index) : [...this.selected, index];
  }

  selectAll(on: boolean): void {
    this.selected = on && this.page ? this.page.clusters.map((_, i) => i) : [];
  }

  private sets(): number[][] {
    return this.selected.map((i) => this.page!.clusters[i].imageIds);
  }

  /** Keep the first (oldest) image of each set; exclude the others, naming the one kept. */
  excludeRest(sets: number[][] = this.sets()): Promise<void> {
    return this.act(async () => {
      let excluded = 0;
      for (const [keep, ...rest] of sets) {
        for (const part of chunks(rest)) excluded += (await this.client.invoke('images.exclude', { imageIds: part, reason: `near duplicate of #${keep}` })).changed;
      }
      return `Excluded ${excluded} image${excluded === 1 ? '' : 's'}; kept the first of each of ${sets.length} set${sets.length === 1 ? '' : 's'}.`;
    });
  }

  /** Each set becomes one group (patient / lot): a split never cuts it. */
  sameGroup(sets: number[][] = this.sets()): Promise<void> {
    return this.act(async () => {
      let changed = 0;
      for (const imageIds of sets) changed += (await this.client.invoke('images.sameGroup', { imageIds })).changed;
      return `Put ${sets.length} set${sets.length === 1 ? '' : 's'} in one group each (${changed} image${changed === 1 ? '' : 's'} moved). Re-create the splits to apply it.`;
    });
  }

  private async act(action: () => Promise<string>): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      this.done = await action();
      this.onChanged();
      await this.load(Math.max(PAGE, this.page?.clusters.length ?? 0));
    } catch (e) {
      this.onError(e);
    } finally {
      this.busy = false;
    }
  }
}
