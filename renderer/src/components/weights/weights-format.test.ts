import { describe, expect, it } from 'vitest';
import { SHA, weightsEntry } from '../../lib/testing/weights-fixtures.ts';
import { formatBytes, importMessage, presentSummary, progressLabel, shaNote } from './weights-format.ts';


describe('weights-format', () => {
  it('writes bytes and download progress with percent', () => {
    expect([formatBytes(512), formatBytes(1_500), formatBytes(22_405_434), formatBytes(1_234_000_000)]).toEqual(['512 B', '1.5 kB', '22.4 MB', '1.23 GB']);
    expect(progressLabel(5_000_000, 22_405_434)).toBe('5.0 MB of 22.4 MB (22%)');
    expect(progressLabel(22_405_434, 22_405_434)).toBe('22.4 MB of 22.4 MB (100%)');
    expect(progressLabel(300, null)).toBe('300 B');
  });

  it('says whether the sha256 was checked against the catalog or only recorded', () => {
    expect(shaNote({ sha256: SHA, expectedSha256: null })).toBe('sha256 ab12cd34ef56… recorded');
    expect(shaNote({ sha256: SHA, expectedSha256: SHA })).toBe('sha256 ok (matches the catalog)');
    expect(shaNote({ sha256: SHA, expectedSha256: 'f'.repeat(64) })).toBe("sha256 ab12cd34ef56… differs from the catalog's");
    expect(presentSummary(weightsEntry('resnet18', { cached: true, sha256: SHA, size: 22_405_434, source: 'import' }))).toBe('22.4 MB · imported · sha256 ab12cd34ef56… recorded');
  });

  it('warns about a different version on import instead of calling it an error', () => {
    const r = { ...weightsEntry('resnet18', { cached: true, sha256: SHA, size: 100 }), matchesCatalog: false };
    expect(importMessage('/w.safetensors', r)).toEqual({ kind: 'warn', message: "Imported /w.safetensors as resnet18 weights, but its sha256 differs from the catalog's: it is another version of these weights." });
    expect(importMessage('/w.safetensors', { ...r, matchesCatalog: true })).toEqual({ kind: 'ok', message: 'Imported /w.safetensors as resnet18 weights (100 B, sha256 matches the catalog).' });
  });
});
