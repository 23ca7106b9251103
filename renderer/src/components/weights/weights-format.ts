import type { WeightsEntry, WeightsImportResult } from '../../../../shared/contract/weights.ts';

/** Bytes as the user reads them on a download page: "22.4 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1e3) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(2)} GB`;
}

/** "12.3 MB of 45.0 MB (27%)", or "12.3 MB" while the size is unknown. */
export function progressLabel(done: number, total: number | null): string {
  if (total === null || total <= 0) return formatBytes(done);
  return `${formatBytes(done)} of ${formatBytes(total)} (${Math.floor((100 * done) / total)}%)`;
}

/** The first 12 hex digits: enough to compare by eye with a published hash. */
export function shortSha(sha256: string): string {
  return `${sha256.slice(0, 12)}…`;
}

/** What the cached file's sha256 says about it: checked against the catalog's pin, or only recorded. */
export function shaNote(e: Pick<WeightsEntry, 'sha256' | 'expectedSha256'>): string {
  if (!e.sha256) return '';
  if (!e.expectedSha256) return `sha256 ${shortSha(e.sha256)} recorded`;
  return e.sha256 === e.expectedSha256 ? 'sha256 ok (matches the catalog)' : `sha256 ${shortSha(e.sha256)} differs from the catalog's`;
}

/** One line for a cached entry: "22.4 MB · downloaded · sha256 …". */
export function presentSummary(e: WeightsEntry): string {
  const how = e.source === 'import' ? 'imported' : 'downloaded';
  return [e.size === null ? null : formatBytes(e.size), how, shaNote(e)].filter(Boolean).join(' · ');
}

/** What an import ended with, in one sentence (a different version is worth a warning, not an error). */
export function importMessage(path: string, r: WeightsImportResult): { kind: 'ok' | 'warn'; message: string } {
  const size = r.size === null ? '' : `${formatBytes(r.size)}, `;
  if (r.matchesCatalog === false) {
    return { kind: 'warn', message: `Imported ${path} as ${r.arch} weights, but its sha256 differs from the catalog's: it is another version of these weights.` };
  }
  const check = r.matchesCatalog ? 'sha256 matches the catalog' : `sha256 ${r.sha256 ? shortSha(r.sha256) : '?'} (the catalog pins none to compare)`;
  return { kind: 'ok', message: `Imported ${path} as ${r.arch} weights (${size}${check}).` };
}
