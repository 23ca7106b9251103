import type { EngineClient } from '../../../shared/contract/index.ts';

/**
 * Draws job progress on stderr (stdout stays clean for --json): a redrawn bar on a terminal,
 * one line per 10% otherwise.
 */
export function reportProgress(client: EngineClient, jobId: string, stream: NodeJS.WriteStream = process.stderr): () => void {
  let lastDecile = -1;
  const off = client.on('job.progress', (p) => {
    if (p.jobId !== jobId) return;
    const frac = p.total ? p.done / p.total : 0;
    const label = p.total ? `${p.done}/${p.total}` : `${p.done}`;
    if (stream.isTTY) {
      const width = 30;
      const filled = Math.round(frac * width);
      stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${label} ${p.message}`.slice(0, (stream.columns ?? 100) - 1).padEnd(20));
    } else {
      const decile = Math.floor(frac * 10);
      if (decile !== lastDecile) {
        lastDecile = decile;
        stream.write(`${Math.round(frac * 100)}% ${label} ${p.message}\n`);
      }
    }
  });
  return () => {
    off();
    if (stream.isTTY) stream.write('\n');
  };
}
