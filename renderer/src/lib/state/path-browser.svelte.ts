import type { EngineClient } from '../../../../shared/contract/index.ts';
import type { BrowseListing } from '../../../../shared/contract/system.ts';

/**
 * The path browser of browser mode: folders of the engine's machine, listed by `system.browse`,
 * and the folders and images the user ticks for import. A folder that cannot be listed is said
 * in the dialog (the user is choosing where to go), not as a toast.
 */
export class PathBrowserState {
  listing = $state<BrowseListing | null>(null);
  /** What the location field shows: the folder listed, or what the user is typing. */
  location = $state('');
  error = $state<string | null>(null);
  loading = $state(false);
  showHidden = $state(false);
  /** Ticked folders and files, in the order they were ticked. */
  selected = $state<string[]>([]);
  private seq = 0;

  constructor(private readonly client: EngineClient) {}

  /**
   * List a folder (the home folder when none is given); answers to older requests are dropped, and
   * a path the user typed while the listing was on its way stays in the field (the dialog lists the
   * home folder as it opens: typing at once must not be overwritten by that answer).
   */
  async go(dir?: string): Promise<void> {
    const mine = ++this.seq;
    const shown = this.location;
    this.loading = true;
    try {
      const listing = await this.client.invoke('system.browse', { ...(dir === undefined ? {} : { dir }), hidden: this.showHidden });
      if (mine !== this.seq) return;
      this.listing = listing;
      if (this.location === shown) this.location = listing.dir;
      this.error = null;
    } catch (e) {
      if (mine === this.seq) this.error = e instanceof Error ? e.message : String(e);
    } finally {
      if (mine === this.seq) this.loading = false;
    }
  }

  up(): Promise<void> {
    return this.listing?.parent ? this.go(this.listing.parent) : Promise.resolve();
  }

  setHidden(show: boolean): Promise<void> {
    this.showHidden = show;
    return this.go(this.listing?.dir);
  }

  isSelected(path: string): boolean {
    return this.selected.includes(path);
  }

  toggle(path: string): void {
    this.selected = this.isSelected(path) ? this.selected.filter((p) => p !== path) : [...this.selected, path];
  }

  /** What "Add" imports: the ticked entries, or the folder shown when nothing is ticked. */
  chosen(): string[] {
    if (this.selected.length) return [...this.selected];
    return this.listing ? [this.listing.dir] : [];
  }
}

/** "12 images · 3 folders", "empty", "cannot be read": what a folder holds, for its row. */
export function folderSummary(f: { images: number | null; folders: number | null }): string {
  if (f.images === null || f.folders === null) return '—';
  const parts = [];
  if (f.images) parts.push(`${f.images} image${f.images === 1 ? '' : 's'}`);
  if (f.folders) parts.push(`${f.folders} folder${f.folders === 1 ? '' : 's'}`);
  return parts.length ? parts.join(' · ') : 'empty';
}
