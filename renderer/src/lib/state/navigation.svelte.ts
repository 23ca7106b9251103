/**
 * Where the user is, kept in the URL's hash (`#project=/data/xrays&view=train&run=7`) so that a
 * reload (F5 in a browser, a desktop window reloading) comes back to the same project, view, run,
 * compared runs and image open in the viewer. The hash, not storage: it belongs to the tab, survives a reload, and a copied URL keeps it.
 */
export interface Place {
  /** The open project's folder. */
  project: string | null;
  /** A workspace tab id (tabs.ts). */
  view: string | null;
  /** The run the Train view follows. */
  run: number | null;
  /** The runs ticked in the Runs view's comparison. */
  compare: number[];
  /** The image open in the Dataset view's viewer. */
  image: number | null;
}

const NOWHERE: Place = { project: null, view: null, run: null, compare: [], image: null };
const isRunId = (n: number) => Number.isInteger(n) && n > 0;
const positiveId = (value: string | null): number | null => {
  const n = Number(value);
  return value !== null && isRunId(n) ? n : null;
};

export function parsePlace(hash: string): Place {
  const q = new URLSearchParams(hash.replace(/^#/, ''));
  const compare = (q.get('compare') ?? '').split(',').filter(Boolean).map(Number).filter(isRunId);
  return { project: q.get('project') || null, view: q.get('view') || null, run: positiveId(q.get('run')), compare, image: positiveId(q.get('image')) };
}

export function formatPlace(p: Place): string {
  const q = new URLSearchParams();
  if (p.project) q.set('project', p.project);
  if (p.project && p.view) q.set('view', p.view);
  if (p.project && p.run !== null) q.set('run', String(p.run));
  if (p.project && p.compare.length) q.set('compare', p.compare.join(','));
  if (p.project && p.image !== null) q.set('image', String(p.image));
  const s = q.toString();
  return s ? `#${s}` : '';
}

type Win = { location: { hash: string; pathname: string; search: string }; history: { replaceState(data: unknown, unused: string, url: string): void } };

export class Navigation {
  place = $state<Place>(NOWHERE);

  constructor(private readonly win: Win) {
    this.place = parsePlace(win.location.hash);
  }

  /** The remembered view of this project; null for another project (its views start at Overview). */
  viewOf(project: string): string | null {
    return this.place.project === project ? this.place.view : null;
  }

  runOf(project: string): number | null {
    return this.place.project === project ? this.place.run : null;
  }

  compareOf(project: string): number[] {
    return this.place.project === project ? this.place.compare : [];
  }

  imageOf(project: string): number | null {
    return this.place.project === project ? this.place.image : null;
  }

  /** The project now open: a different one forgets the old view and run. */
  setProject(project: string | null): void {
    if (project !== this.place.project) this.write({ ...NOWHERE, project });
  }

  setView(view: string): void {
    if (view !== this.place.view) this.write({ ...this.place, view });
  }

  setRun(run: number | null): void {
    if (run !== this.place.run) this.write({ ...this.place, run });
  }

  setCompare(runs: number[]): void {
    if (runs.join(',') !== this.place.compare.join(',')) this.write({ ...this.place, compare: [...runs] });
  }

  /** The image open in the viewer; null once it closes. */
  setImage(image: number | null): void {
    if (image !== this.place.image) this.write({ ...this.place, image });
  }

  // replaceState: moving between tabs is not history the Back button should walk through.
  private write(p: Place): void {
    this.place = p;
    const { pathname, search } = this.win.location;
    this.win.history.replaceState(null, '', `${pathname}${search}${formatPlace(p)}`);
  }
}
