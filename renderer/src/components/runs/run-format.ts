import type { RunInfo } from '../../../../shared/domain/run.ts';

/** Wall time from start to finish (or to now while it runs), e.g. "2 min 05 s". */
export function duration(run: Pick<RunInfo, 'startedAt' | 'finishedAt'>, now = Date.now()): string {
  if (!run.startedAt) return '—';
  const end = run.finishedAt ? Date.parse(run.finishedAt) : now;
  const s = Math.max(0, Math.round((end - Date.parse(run.startedAt)) / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/**
 * How a run is named on screen, e.g. "#3 resnet18 · top". The engine names an unnamed run
 * "resnet18 · top · #3", which would say the number twice; a name the user gave is kept.
 */
export function runLabel(run: Pick<RunInfo, 'id' | 'name' | 'backbone' | 'strategy'>): string {
  const base = `${run.backbone} · ${run.strategy}`;
  const automatic = run.name.trim() === '' || run.name === base || (run.name.startsWith(base) && /^ · #\d+$/.test(run.name.slice(base.length)));
  return automatic ? `#${run.id} ${base}` : `#${run.id} ${base} · ${run.name}`;
}

export function percent(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined ? '—' : `${(x * 100).toFixed(digits)}%`;
}

export function fixed(x: number | null | undefined, digits = 3): string {
  return x === null || x === undefined ? '—' : x.toFixed(digits);
}
