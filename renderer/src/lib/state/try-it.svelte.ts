import type { EngineClient } from '../../../../shared/contract/index.ts';
import { TRY_UPLOAD_PART, type TryResult, type TrySource } from '../../../../shared/contract/try-it.ts';

/** Base64 of bytes, in slices so that String.fromCharCode never gets too many arguments. */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/**
 * "Try it": files dropped or picked, or a path pasted, predicted by the chosen run with Grad-CAM.
 * Files travel to the engine in parts (browser mode's messages are at most 1 MiB); nothing is added
 * to the project.
 */
export class TryIt {
  result = $state<TryResult | null>(null);
  /** What is under way, in words; null when idle. */
  busy = $state<string | null>(null);

  constructor(
    private readonly client: EngineClient,
    private readonly onError: (e: unknown) => void,
  ) {}

  async tryFiles(runId: number, files: File[]): Promise<void> {
    await this.run(runId, async () => {
      const sources: TrySource[] = [];
      for (const [k, file] of files.entries()) {
        this.busy = `Sending ${file.name} (${k + 1} of ${files.length})`;
        sources.push({ uploadId: await this.upload(file) });
      }
      return sources;
    });
  }

  async tryPath(runId: number, path: string): Promise<void> {
    await this.run(runId, async () => [{ path: path.trim() }]);
  }

  private async upload(file: File): Promise<string> {
    const bytes = new Uint8Array(await file.arrayBuffer());
    let uploadId: string | undefined;
    // An empty file still makes one (empty) part, so the engine can say it is not an image.
    for (let offset = 0; offset === 0 || offset < bytes.length; offset += TRY_UPLOAD_PART) {
      const part = bytes.subarray(offset, offset + TRY_UPLOAD_PART);
      ({ uploadId } = await this.client.invoke('predict.upload', { ...(uploadId ? { uploadId } : {}), name: file.name, data: toBase64(part) }));
      if (bytes.length === 0) break;
    }
    return uploadId!;
  }

  private async run(runId: number, sources: () => Promise<TrySource[]>): Promise<void> {
    if (this.busy !== null) return;
    this.busy = 'Reading';
    try {
      const list = await sources();
      this.busy = `Predicting ${list.length} image${list.length === 1 ? '' : 's'} with Grad-CAM`;
      this.result = await this.client.invoke('predict.files', { runId, sources: list });
    } catch (e) {
      this.onError(e);
    } finally {
      this.busy = null;
    }
  }
}
