import type { EngineClient } from '../../../../shared/contract/index.ts';
import type { ShellClient } from '../api/bridge-client.ts';
import type { JobProgressEvent } from '../../../../shared/contract/jobs.ts';
import type { WeightsDownloadResult, WeightsEntry } from '../../../../shared/contract/weights.ts';
import type { JobState } from '../../../../shared/domain/job.ts';
import { formatBytes, importMessage, shortSha } from '../../components/weights/weights-format.ts';
import { followJobs } from './job-events.ts';

/** A `weights.download` job under way. */
export interface WeightsDownload {
  jobId: string;
  done: number;
  total: number | null;
}

/** What the last download or import of an architecture ended with, shown next to its actions. */
export interface WeightsOutcome {
  kind: 'ok' | 'warn' | 'error';
  message: string;
  /** A download that stopped and kept its partial file: the next one continues where it stopped. */
  resumable: boolean;
}

/**
 * The pretrained catalog and what is on this machine, with the downloads and imports the user
 * starts from the Train view or the Weights panel. Download failures are shown next to the
 * architecture (the job tray's toast says it too); import errors only here, where the path is.
 */
export class WeightsState {
  entries = $state<WeightsEntry[]>([]);
  downloads = $state<Record<string, WeightsDownload>>({});
  outcomes = $state<Record<string, WeightsOutcome>>({});
  /** The architecture whose file is being imported, if any. */
  importing = $state<string | null>(null);

  constructor(
    private readonly client: EngineClient,
    private readonly onError: (e: unknown) => void,
    /** The desktop app's native dialogs; null in browser mode, where the path is typed. */
    private readonly shell: ShellClient | null = null,
  ) {}

  get canBrowse(): boolean {
    return this.shell !== null;
  }

  /** The system's file dialog for `arch`'s .safetensors file; null when cancelled or unavailable. */
  async browseFile(arch: string): Promise<string | null> {
    if (!this.shell) return null;
    try {
      return (await this.shell.invoke('dialog.openFile', { title: `Pretrained weights for ${arch}`, extensions: ['safetensors'] })).path;
    } catch (e) {
      this.onError(e);
      return null;
    }
  }

  start(): () => void {
    const stop = followJobs(this.client, (p) => this.progress(p), (j) => this.finished(j));
    void this.load();
    return stop;
  }

  entry(arch: string): WeightsEntry | undefined {
    return this.entries.find((e) => e.arch === arch);
  }

  /** Reload the catalog; downloads started elsewhere (another view, an earlier visit) are followed too. */
  async load(): Promise<void> {
    try {
      this.entries = await this.client.invoke('weights.list', {});
      for (const e of this.entries) {
        if (e.downloadJob && !this.downloads[e.arch]) await this.follow(e.arch, e.downloadJob);
      }
    } catch (e) {
      this.onError(e);
    }
  }

  async download(arch: string): Promise<void> {
    delete this.outcomes[arch];
    try {
      const { jobId } = await this.client.invoke('weights.download', { arch });
      await this.follow(arch, jobId);
    } catch (e) {
      this.onError(e);
    }
  }

  async cancel(arch: string): Promise<void> {
    const d = this.downloads[arch];
    if (!d) return;
    try {
      // The job stops a moment later; its job.finished event ends the download here.
      const state = await this.client.invoke('job.cancel', { jobId: d.jobId });
      if (state.status !== 'running') this.finished(state);
    } catch (e) {
      this.onError(e);
    }
  }

  /** Copy a file the user has into the cache as `arch`'s weights; true when it worked. */
  async importFile(arch: string, path: string): Promise<boolean> {
    this.importing = arch;
    delete this.outcomes[arch];
    try {
      const r = await this.client.invoke('weights.import', { arch, path });
      this.replace(r);
      this.outcomes[arch] = { ...importMessage(path, r), resumable: false };
      return true;
    } catch (e) {
      this.outcomes[arch] = { kind: 'error', message: e instanceof Error ? e.message : String(e), resumable: false };
      return false;
    } finally {
      this.importing = null;
    }
  }

  private async follow(arch: string, jobId: string): Promise<void> {
    this.downloads[arch] = { jobId, done: 0, total: null };
    // The job may have ended before its events reached us.
    const state = await this.client.invoke('job.get', { jobId });
    if (state.status === 'running') Object.assign(this.downloads[arch], { done: state.done, total: state.total });
    else this.finished(state);
  }

  private archOf(jobId: string): string | undefined {
    return Object.keys(this.downloads).find((a) => this.downloads[a].jobId === jobId);
  }

  private progress(p: JobProgressEvent): void {
    const arch = this.archOf(p.jobId);
    if (arch) Object.assign(this.downloads[arch], { done: p.done, total: p.total });
  }

  private finished(job: JobState): void {
    const arch = this.archOf(job.id);
    if (!arch || job.status === 'running') return;
    delete this.downloads[arch];
    if (job.status === 'completed') {
      const r = job.result as WeightsDownloadResult;
      this.replace(r);
      this.outcomes[arch] = { kind: 'ok', message: downloadedMessage(r), resumable: false };
    } else if (job.status === 'cancelled') {
      this.outcomes[arch] = { kind: 'warn', message: 'Download cancelled. Resume continues where it stopped.', resumable: true };
    } else {
      // A damaged file (sha256, not safetensors) was removed: only broken connections leave a part to resume.
      const resumable = job.error?.code === 'internal';
      this.outcomes[arch] = { kind: 'error', message: job.error?.message ?? 'The download failed.', resumable };
    }
  }

  private replace(entry: WeightsEntry): void {
    const i = this.entries.findIndex((e) => e.arch === entry.arch);
    if (i >= 0) this.entries[i] = catalogFields(entry);
    else void this.load();
  }
}

/** The entry part of a download or import result (the rest describes the action, not the file). */
function catalogFields(r: WeightsEntry): WeightsEntry {
  const { arch, family, repo, file, url, paramsMillions, gflops, featureDim, inputSize, expectedSha256, cached, sha256, size, source, path } = r;
  return { arch, family, repo, file, url, paramsMillions, gflops, featureDim, inputSize, expectedSha256, cached, sha256, size, source, path, downloadJob: null };
}

function downloadedMessage(r: WeightsDownloadResult): string {
  if (r.alreadyCached) return `${r.arch} weights were already downloaded.`;
  const size = r.size === null ? '' : `${formatBytes(r.size)}, `;
  const sha = r.sha256 ? `sha256 ${shortSha(r.sha256)}` : 'no sha256';
  return `Downloaded ${r.arch} weights (${size}${sha}${r.resumed ? ', resumed an interrupted download' : ''}).`;
}
