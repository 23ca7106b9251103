import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, renameSync, rmSync, statSync, type WriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { EngineError, cancelled, internal, notFound, validation } from '../../shared/contract/errors.ts';
import { type CacheEntry, type WeightCache, ensureDirFor } from './cache.ts';
import { SafetensorsFile } from './safetensors.ts';

export const DEFAULT_HF_ENDPOINT = 'https://huggingface.co';

/** The Hugging Face mirror to use: the argument, else LABELTUNE_HF_ENDPOINT (hospital mirrors), else huggingface.co. */
export function hfEndpoint(override?: string): string {
  return (override ?? process.env.LABELTUNE_HF_ENDPOINT ?? DEFAULT_HF_ENDPOINT).replace(/\/+$/, '');
}

export function weightsUrl(repo: string, file: string, endpoint?: string): string {
  return `${hfEndpoint(endpoint)}/${repo}/resolve/main/${file}`;
}

export interface DownloadOptions {
  repo: string;
  file: string;
  cache: WeightCache;
  /** timm name, recorded in the cache index. */
  arch?: string | null;
  endpoint?: string;
  /** When known (the catalog pins it), the file must hash to this. */
  expectedSha256?: string | null;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number | null) => void;
  /** Extra attempts after a broken connection; each resumes from the `.part` file (default 3). */
  retries?: number;
  /** A connection that sends nothing for this long counts as broken (default 60 s): stalled proxies exist. */
  idleTimeoutMs?: number;
}

export interface DownloadResult {
  path: string;
  entry: CacheEntry;
  /** True when a cached file was reused and nothing was transferred. */
  cached: boolean;
  /** True when some attempt continued a partial file with a Range request. */
  resumed: boolean;
  attempts: number;
}

/** A transfer that stopped mid-body: worth resuming. */
class Interrupted extends Error {}

/**
 * Download `repo`/`file` into the cache: streamed to `<dest>.part`, hashed while streaming,
 * resumed with an HTTP Range request after a broken connection (or a previous cancelled run),
 * then checked (sha256 when expected, and opened as safetensors) before it takes its final name.
 */
export async function downloadWeights(opts: DownloadOptions): Promise<DownloadResult> {
  const { repo, file, cache } = opts;
  const dest = cache.pathFor(repo, file);
  const hit = cache.get(repo, file);
  if (hit && (!opts.expectedSha256 || hit.sha256 === opts.expectedSha256)) {
    return { path: dest, entry: hit, cached: true, resumed: false, attempts: 0 };
  }
  ensureDirFor(dest);
  const url = weightsUrl(repo, file, opts.endpoint);
  const part = `${dest}.part`;
  const retries = opts.retries ?? 3;
  let resumed = false;
  for (let attempt = 1; ; attempt++) {
    try {
      const done = await transfer(url, part, opts);
      resumed ||= done.resumed;
      const entry = await finalize(part, dest, done, opts, url);
      return { path: dest, entry, cached: false, resumed, attempts: attempt };
    } catch (e) {
      if (opts.signal?.aborted) throw cancelled(`The download of ${repo}/${file} was cancelled; run it again to resume where it stopped.`);
      if (!(e instanceof Interrupted)) throw e;
      if (attempt > retries) {
        throw internal(`The download of ${url} kept breaking off (${attempt} attempts, last: ${e.message}). Check the network and run it again: it resumes where it stopped.`);
      }
    }
  }
}

async function transfer(url: string, part: string, opts: DownloadOptions) {
  const idle = idleWatch(opts.idleTimeoutMs ?? 60_000);
  try {
    return await transferOnce(url, part, opts, idle);
  } finally {
    idle.stop();
  }
}

interface IdleWatch {
  signal: AbortSignal;
  /** Data arrived: restart the countdown. */
  touch(): void;
  stop(): void;
}

/** Aborts its signal when `touch` has not been called for `ms`. */
function idleWatch(ms: number): IdleWatch {
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(), ms);
  return {
    signal: controller.signal,
    touch() {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(), ms);
    },
    stop: () => clearTimeout(timer),
  };
}

async function transferOnce(url: string, part: string, opts: DownloadOptions, idle: IdleWatch) {
  const have = existsSync(part) ? statSync(part).size : 0;
  const signal = opts.signal ? AbortSignal.any([opts.signal, idle.signal]) : idle.signal;
  const { res, linkedSha256 } = await request(url, have, signal, opts.signal);
  if (res.status === 416 && have > 0) {
    rmSync(part, { force: true }); // the partial file is not a prefix the server knows: start over
    throw new Interrupted('the server refused to resume (HTTP 416)');
  }
  checkStatus(res, url);
  const append = res.status === 206 && rangeStart(res) === have;
  if (res.status === 206 && !append) throw internal(`${url}: the server resumed at the wrong offset (${res.headers.get('content-range')}).`);
  const hash = createHash('sha256');
  if (append) await hashFile(part, hash);
  idle.touch(); // hashing a large partial file is not the server being silent
  const total = append ? rangeTotal(res) : contentLength(res);
  let done = append ? have : 0;
  const out = createWriteStream(part, { flags: append ? 'a' : 'w' });
  try {
    for await (const chunk of Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>)) {
      const bytes = chunk as Buffer;
      hash.update(bytes);
      if (!out.write(bytes)) await new Promise<void>((r) => out.once('drain', () => r()));
      done += bytes.length;
      idle.touch();
      opts.onProgress?.(done, total);
    }
  } catch (e) {
    throw new Interrupted(idle.signal.aborted ? 'no data arrived for a while' : (e as Error).message);
  } finally {
    await closeStream(out);
  }
  if (total !== null && done !== total) throw new Interrupted(`received ${done} of ${total} bytes`);
  return { sha256: hash.digest('hex'), resumed: append, linkedSha256 };
}

const MAX_REDIRECTS = 10;

/**
 * GET with redirects followed by hand: Hugging Face answers /resolve/ with a redirect to its CDN
 * that carries `X-Linked-Etag`, the sha256 of the LFS file, so a download can be verified even
 * when the catalog pins no hash.
 */
async function request(url: string, have: number, signal: AbortSignal, userSignal?: AbortSignal): Promise<{ res: Response; linkedSha256: string | null }> {
  let current = url;
  let linkedSha256: string | null = null;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const res = await get(current, have, signal, userSignal);
    linkedSha256 ??= linkedEtag(res);
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) return { res, linkedSha256 };
    await res.body?.cancel();
    current = new URL(location, current).href;
  }
  throw internal(`${url} redirected more than ${MAX_REDIRECTS} times. Check LABELTUNE_HF_ENDPOINT.`);
}

async function get(url: string, have: number, signal: AbortSignal, userSignal?: AbortSignal): Promise<Response> {
  try {
    return await fetch(url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {}, signal, redirect: 'manual' });
  } catch (e) {
    if (userSignal?.aborted) throw cancelled();
    if (signal.aborted) throw new Interrupted('the server did not answer');
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw internal(
      `Cannot reach ${new URL(url).origin} (${cause?.code ?? cause?.message ?? (e as Error).message}). ` +
        'If this computer is offline, copy the .safetensors file here and use "labeltune weights import <file> --arch <arch>".',
    );
  }
}

/** The sha256 in `X-Linked-Etag: "<64 hex>"`, if the server sent one. */
function linkedEtag(res: Response): string | null {
  const m = /^(?:W\/)?"?([0-9a-f]{64})"?$/i.exec(res.headers.get('x-linked-etag')?.trim() ?? '');
  return m ? m[1].toLowerCase() : null;
}

function checkStatus(res: Response, url: string): void {
  if (res.status === 404) {
    throw notFound(`${url} was not found (HTTP 404). Check the repository id and file name, or set LABELTUNE_HF_ENDPOINT to a mirror that has it.`);
  }
  if (res.status === 401 || res.status === 403) {
    throw validation(`${url} refused access (HTTP ${res.status}). The repository may be gated or private; download it in a browser and import the file.`);
  }
  if (res.status !== 200 && res.status !== 206) throw internal(`${url} answered HTTP ${res.status} ${res.statusText}. Try again later.`);
}

function rangeStart(res: Response): number | null {
  const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
  return m ? Number(m[1]) : null;
}

function rangeTotal(res: Response): number | null {
  const m = /\/(\d+)$/.exec(res.headers.get('content-range') ?? '');
  return m ? Number(m[1]) : null;
}

function contentLength(res: Response): number | null {
  const n = Number(res.headers.get('content-length') ?? NaN);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

async function hashFile(path: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

function closeStream(out: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

/** Check the finished `.part`, give it its final name and record it; damaged files are removed. */
async function finalize(part: string, dest: string, got: { sha256: string; linkedSha256: string | null }, opts: DownloadOptions, url: string): Promise<CacheEntry> {
  const name = `${opts.repo}/${opts.file}`;
  const sha256 = got.sha256;
  const expected = opts.expectedSha256 ?? got.linkedSha256;
  if (expected && sha256 !== expected) {
    rmSync(part, { force: true });
    const source = opts.expectedSha256 ? 'the catalog' : "the server's X-Linked-Etag";
    throw validation(`The download of ${name} is damaged: its sha256 is ${sha256}, expected ${expected} (from ${source}). The file was removed; download it again.`);
  }
  renameSync(part, dest);
  await assertSafetensors(dest, `The download of ${name}`);
  const entry: CacheEntry = {
    repo: opts.repo,
    file: opts.file,
    arch: opts.arch ?? null,
    sha256,
    size: statSync(dest).size,
    source: 'download',
    origin: url,
    addedAt: new Date().toISOString(),
  };
  opts.cache.record(entry);
  return entry;
}

/** Open `path` as safetensors; when it is not one, remove it and say so. */
export async function assertSafetensors(path: string, what: string): Promise<void> {
  try {
    await (await SafetensorsFile.open(path)).close();
  } catch (e) {
    rmSync(path, { force: true });
    const reason = e instanceof EngineError ? e.message : String(e);
    throw validation(`${what} is not a valid safetensors file and was removed (${reason}). Download it again or import a good copy.`);
  }
}
