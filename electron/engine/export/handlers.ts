import { z } from 'zod';
import type { ExportHandlers } from '../../../shared/contract/exports.ts';
import { EXPORT_FORMATS, type ExportInfo } from '../../../shared/domain/export.ts';
import type { EngineContext } from '../context.ts';
import type { Implementation } from '../handler.ts';

interface ExportRow {
  id: number;
  run_id: number;
  format: ExportInfo['format'];
  path: string;
  parity: string | null;
  created_at: string;
}

export function exportHandlers(ctx: EngineContext): Implementation<ExportHandlers> {
  return {
    'exports.start': {
      schema: z.object({
        runId: z.number().int().positive(),
        format: z.enum(EXPORT_FORMATS),
        outDir: z.string().min(1).optional(),
        checkpoint: z.enum(['best', 'last']).optional(),
      }),
      run: (args) => {
        const project = ctx.project();
        // TensorFlow, onnxruntime and the exporters load only when an export runs.
        const jobId = ctx.jobs.start('export', args, async (job) => (await import('./export-job.ts')).runExport(project, args, job));
        return { jobId };
      },
    },
    'exports.list': {
      schema: z.object({ runId: z.number().int().positive().optional() }),
      run: ({ runId }) => {
        const db = ctx.project().db;
        const rows = (runId === undefined
          ? db.prepare('SELECT * FROM exports ORDER BY id DESC').all()
          : db.prepare('SELECT * FROM exports WHERE run_id = ? ORDER BY id DESC').all(runId)) as ExportRow[];
        return rows.map((r) => {
          const stored = r.parity ? (JSON.parse(r.parity) as { check: ExportInfo['parity']; files: string[] }) : { check: null, files: [] };
          return { id: r.id, runId: r.run_id, format: r.format, path: r.path, files: stored.files, parity: stored.check, createdAt: r.created_at };
        });
      },
    },
  };
}
