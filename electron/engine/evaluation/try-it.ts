import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { EngineError, notFound, validation } from '../../../shared/contract/errors.ts';
import { TRY_UPLOAD_PART, type TryItHandlers, type TryPrediction, type TrySource } from '../../../shared/contract/try-it.ts';
import type { EngineContext } from '../context.ts';
import type { Implementation } from '../handler.ts';
import { getRun } from '../runs/store.ts';
import type { Explainer } from './explainer.ts';

/** A tried file larger than this is not an image anyone drops by hand. */
const MAX_UPLOAD_BYTES = 512 * 1024 * 1024;
const MAX_OVERLAY = 1024;

interface Upload {
  name: string;
  path: string;
  bytes: number;
}

/** Files sent to try, in a temporary folder of their own, outside the project; each goes once predicted. */
class TryUploads {
  private dir: string | null = null;
  private readonly uploads = new Map<string, Upload>();

  append(uploadId: string | undefined, name: string, data: Buffer): Upload & { id: string } {
    if (data.length > TRY_UPLOAD_PART) throw validation(`An upload part is at most ${TRY_UPLOAD_PART} bytes; this one has ${data.length}. Send the file in parts.`);
    const id = uploadId ?? randomUUID();
    let upload = this.uploads.get(id);
    if (uploadId !== undefined && !upload) throw notFound(`There is no upload ${uploadId} (it was used or the engine restarted); send the file again.`);
    if (!upload) {
      this.dir ??= mkdtempSync(join(tmpdir(), 'labeltune-try-'));
      // Keep the name's extension: the decoder tells DICOM, TIFF ... apart by it as well as by content.
      upload = { name, path: join(this.dir, `${id}-${basename(name).replace(/[^\w.-]+/g, '_')}`), bytes: 0 };
      this.uploads.set(id, upload);
    }
    if (upload.bytes + data.length > MAX_UPLOAD_BYTES) throw validation(`${name} is over ${MAX_UPLOAD_BYTES / 1024 / 1024} MiB; try a smaller image.`);
    appendFileSync(upload.path, data);
    upload.bytes += data.length;
    return { id, ...upload };
  }

  /** The file of an upload, handed over once: the caller predicts it, then `discard`s it. */
  take(uploadId: string): Upload {
    const upload = this.uploads.get(uploadId);
    if (!upload) throw notFound(`There is no upload ${uploadId} (it was used or the engine restarted); send the file again.`);
    this.uploads.delete(uploadId);
    return upload;
  }

  discard(upload: Upload): void {
    rmSync(upload.path, { force: true });
  }

  dispose(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
    this.uploads.clear();
  }
}

const source = z.union([
  z.object({ uploadId: z.string().uuid({ message: 'uploadId must be the id predict.upload answered' }) }).strict(),
  z.object({ path: z.string().trim().min(1, { message: 'path must not be empty' }) }).strict(),
]);

export function tryItHandlers(ctx: EngineContext, explainer: () => Promise<Explainer>): Implementation<TryItHandlers> {
  const uploads = new TryUploads();
  ctx.events.subscribe((event, payload) => {
    if (event === 'project.changed' && payload === null) uploads.dispose();
  });
  /** One source's file, checked before the model host sees it. */
  const fileOf = (s: TrySource): { label: string; path: string; upload: Upload | null } => {
    if ('uploadId' in s) {
      const upload = uploads.take(s.uploadId);
      return { label: upload.name, path: upload.path, upload };
    }
    if (!isAbsolute(s.path)) throw validation(`${s.path} is not an absolute path; paste the full path of the image file.`);
    if (!existsSync(s.path) || !statSync(s.path).isFile()) throw validation(`${s.path} is not a file on this machine; check the path.`);
    return { label: s.path, path: s.path, upload: null };
  };
  return {
    'predict.upload': {
      schema: z.object({ uploadId: z.string().uuid().optional(), name: z.string().trim().min(1).max(500), data: z.string().base64({ message: 'data must be base64' }) }),
      run: ({ uploadId, name, data }) => {
        ctx.project(); // uploads belong to an open project's session
        const upload = uploads.append(uploadId, name, Buffer.from(data, 'base64'));
        return { uploadId: upload.id, bytes: upload.bytes };
      },
    },
    'predict.files': {
      schema: z.object({ runId: z.number().int().positive(), sources: z.array(source).min(1).max(50), overlaySize: z.number().int().min(32).max(MAX_OVERLAY).optional() }),
      run: async ({ runId, sources, overlaySize = 384 }) => {
        const { config } = getRun(ctx.project().db, runId);
        const files = sources.map(fileOf);
        const items: TryPrediction[] = [];
        try {
          const cam = await explainer();
          for (const f of files) items.push(await tryOne(cam, runId, f.label, f.path, overlaySize));
        } finally {
          for (const f of files) if (f.upload) uploads.discard(f.upload);
        }
        return { runId, classes: config.classes, multiLabel: config.multiLabel, items };
      },
    },
  };
}

/** One file's prediction; a file the host cannot read gives its reason, and the others still go through. */
async function tryOne(explainer: Explainer, runId: number, label: string, path: string, overlaySize: number): Promise<TryPrediction> {
  try {
    const { maps } = await explainer.explainFile(runId, path, overlaySize);
    const overlay = maps.overlay ? `data:image/png;base64,${Buffer.from(maps.overlay).toString('base64')}` : null;
    return { source: label, probs: maps.probs, predictedClass: maps.classIndex, overlay, error: null };
  } catch (e) {
    // A file the host cannot read (validation, unsupported, not-found) is that file's answer; a crash or cancel is the call's.
    if (!(e instanceof EngineError) || e.code === 'internal' || e.code === 'cancelled') throw e;
    // The host names the temporary file; the person knows the file by the name they dropped.
    return { source: label, probs: null, predictedClass: null, overlay: null, error: e.message.replaceAll(path, label) };
  }
}
