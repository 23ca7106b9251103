import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WeightCache } from './cache.ts';
import { downloadWeights, hfEndpoint, weightsUrl } from './download.ts';
import { fixturePath } from './testing/fixtures.ts';

const FIXTURE = readFileSync(fixturePath('resnet18/model.safetensors'));
const FIXTURE_SHA = createHash('sha256').update(FIXTURE).digest('hex');
const REPO = 'timm/resnet18.a1_in1k';
const REDIRECTS: Record<string, string> = {
  '/timm/redirected/resolve/main/model.safetensors': FIXTURE_SHA,
  '/timm/bad-etag/resolve/main/model.safetensors': 'f'.repeat(64),
};

/** What the test server does for the next requests; every request is logged. */
interface Behaviour {
  body: Buffer;
  /** Close the socket after this many body bytes on the first request. */
  cutFirstAt?: number;
  /** Ignore Range and answer 200 with the whole body. */
  ignoreRange?: boolean;
  /** Send the body slowly: one 64 KB chunk per tick. */
  slow?: boolean;
  /** On the first request, send this many body bytes and then nothing (a stalled proxy). */
  stallFirstAt?: number;
}

let server: Server;
let endpoint: string;
let behaviour: Behaviour;
let requests: { url: string; range: string | undefined }[];
let tmp: string;
let cache: WeightCache;

function handle(req: IncomingMessage, res: ServerResponse): void {
  const first = requests.length === 0;
  requests.push({ url: req.url ?? '', range: req.headers.range });
  // Like huggingface.co: /resolve/ redirects to a CDN and names the file's sha256 in X-Linked-Etag.
  const etag = REDIRECTS[req.url ?? ''];
  if (etag) {
    res.writeHead(302, { location: '/cdn/model.safetensors', 'x-linked-etag': `"${etag}"` }).end();
    return;
  }
  if (req.url !== `/${REPO}/resolve/main/model.safetensors` && req.url !== '/cdn/model.safetensors') {
    res.writeHead(404).end('Entry not found');
    return;
  }
  const { body } = behaviour;
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const start = m && !behaviour.ignoreRange ? Number(m[1]) : 0;
  const headers: Record<string, string | number> = { 'content-length': body.length - start, 'content-type': 'application/octet-stream' };
  if (start > 0) headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
  res.writeHead(start > 0 ? 206 : 200, headers);
  const rest = body.subarray(start);
  if (first && behaviour.stallFirstAt !== undefined) {
    res.write(rest.subarray(0, behaviour.stallFirstAt));
  } else if (first && behaviour.cutFirstAt !== undefined) {
    res.write(rest.subarray(0, behaviour.cutFirstAt), () => res.destroy());
  } else if (behaviour.slow) {
    let at = 0;
    const tick = () => {
      if (res.destroyed) return;
      if (at >= rest.length) return void res.end();
      res.write(rest.subarray(at, at + 65536));
      at += 65536;
      setTimeout(tick, 5);
    };
    tick();
  } else {
    res.end(rest);
  }
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'labeltune-dl-'));
  cache = new WeightCache(join(tmp, 'weights'));
  behaviour = { body: FIXTURE };
  requests = [];
  return () => rmSync(tmp, { recursive: true, force: true });
});

const download = (extra: Partial<Parameters<typeof downloadWeights>[0]> = {}) =>
  downloadWeights({ repo: REPO, file: 'model.safetensors', cache, endpoint, arch: 'resnet18', ...extra });

describe('downloadWeights', () => {
  it('builds Hugging Face URLs, with LABELTUNE_HF_ENDPOINT or an argument overriding the host', () => {
    expect(weightsUrl('timm/resnet50.a1_in1k', 'model.safetensors', 'https://huggingface.co')).toBe('https://huggingface.co/timm/resnet50.a1_in1k/resolve/main/model.safetensors');
    const before = process.env.LABELTUNE_HF_ENDPOINT;
    process.env.LABELTUNE_HF_ENDPOINT = 'http://mirror.local/hf/';
    try {
      expect(hfEndpoint()).toBe('http://mirror.local/hf');
      expect(hfEndpoint('http://other')).toBe('http://other');
    } finally {
      if (before === undefined) delete process.env.LABELTUNE_HF_ENDPOINT;
      else process.env.LABELTUNE_HF_ENDPOINT = before;
    }
  });

  it('downloads into the cache with progress and records the sha256 of the file', async () => {
    const seen: number[] = [];
    const r = await download({ onProgress: (done, total) => { seen.push(done); expect(total).toBe(FIXTURE.length); } });
    expect(r.path).toBe(join(tmp, 'weights', 'timm', 'resnet18.a1_in1k', 'model.safetensors'));
    expect(r.entry.sha256).toBe(FIXTURE_SHA);
    expect(r.entry).toMatchObject({ size: FIXTURE.length, source: 'download', arch: 'resnet18', repo: REPO });
    expect(createHash('sha256').update(readFileSync(r.path)).digest('hex')).toBe(FIXTURE_SHA);
    expect(seen.at(-1)).toBe(FIXTURE.length);
    expect(existsSync(`${r.path}.part`)).toBe(false);
    const index = JSON.parse(readFileSync(join(tmp, 'weights', 'index.json'), 'utf8'));
    expect(index.entries[`${REPO}/model.safetensors`].sha256).toBe(FIXTURE_SHA);
    // A second call reuses the cached file without a request.
    const again = await download({ expectedSha256: FIXTURE_SHA });
    expect(again.cached).toBe(true);
    expect(requests).toHaveLength(1);
  });

  it('resumes an interrupted transfer with a Range request and ends byte-identical', async () => {
    behaviour = { body: FIXTURE, cutFirstAt: 5_000_000 };
    const r = await download({ expectedSha256: FIXTURE_SHA });
    expect(r.resumed).toBe(true);
    expect(r.attempts).toBe(2);
    expect(requests[0].range).toBeUndefined();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(requests[1].range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(5_000_000);
    expect(readFileSync(r.path).equals(FIXTURE)).toBe(true);
    expect(r.entry.sha256).toBe(FIXTURE_SHA);
  });

  it('treats a stalled connection as broken and resumes after the idle timeout', async () => {
    behaviour = { body: FIXTURE, stallFirstAt: 1_000_000 };
    const r = await download({ idleTimeoutMs: 300 });
    expect(r).toMatchObject({ resumed: true, attempts: 2 });
    expect(requests[1].range).toBe('bytes=1000000-');
    expect(readFileSync(r.path).equals(FIXTURE)).toBe(true);
  });

  it('restarts from zero when the server ignores Range (answers 200)', async () => {
    const dest = cache.pathFor(REPO, 'model.safetensors');
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(`${dest}.part`, Buffer.from('garbage that is not a prefix'));
    behaviour = { body: FIXTURE, ignoreRange: true };
    const r = await download();
    expect(requests[0].range).toBe('bytes=28-');
    expect(r.resumed).toBe(false);
    expect(readFileSync(r.path).equals(FIXTURE)).toBe(true);
  });

  it('rejects and removes a corrupted body: wrong sha256, or not safetensors at all', async () => {
    const flipped = Buffer.from(FIXTURE);
    flipped[FIXTURE.length - 10] ^= 0xff;
    behaviour = { body: flipped };
    await expect(download({ expectedSha256: FIXTURE_SHA })).rejects.toThrow(/download of timm\/resnet18\.a1_in1k\/model\.safetensors is damaged: its sha256 is [0-9a-f]{64}, expected [0-9a-f]{64} \(from the catalog\)\. The file was removed/);
    const dest = cache.pathFor(REPO, 'model.safetensors');
    expect(existsSync(dest) || existsSync(`${dest}.part`)).toBe(false);
    behaviour = { body: Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]), FIXTURE.subarray(8)]) };
    const err = await download().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'validation' });
    expect((err as Error).message).toMatch(/is not a valid safetensors file and was removed \(.*header length 4294967295 is impossible/);
    expect(existsSync(dest)).toBe(false);
    expect(cache.get(REPO, 'model.safetensors')).toBeNull();
  });

  it('follows the redirect to the CDN and verifies the sha256 the server names in X-Linked-Etag', async () => {
    const r = await download({ repo: 'timm/redirected' });
    expect(requests.map((q) => q.url)).toEqual(['/timm/redirected/resolve/main/model.safetensors', '/cdn/model.safetensors']);
    expect(r.entry.sha256).toBe(FIXTURE_SHA);
    expect(readFileSync(r.path).equals(FIXTURE)).toBe(true);
    const err = await download({ repo: 'timm/bad-etag' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'validation' });
    expect((err as Error).message).toMatch(new RegExp(`its sha256 is ${FIXTURE_SHA}, expected f{64} \\(from the server's X-Linked-Etag\\)\\. The file was removed`));
    expect(existsSync(cache.pathFor('timm/bad-etag', 'model.safetensors'))).toBe(false);
  });

  it('answers 404 with a not-found error naming the URL', async () => {
    const err = await download({ repo: 'timm/resnet99.nope' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'not-found' });
    expect((err as Error).message).toBe(`${endpoint}/timm/resnet99.nope/resolve/main/model.safetensors was not found (HTTP 404). Check the repository id and file name, or set LABELTUNE_HF_ENDPOINT to a mirror that has it.`);
  });

  it('cancels on abort, keeps the .part, and a later call resumes from it', async () => {
    behaviour = { body: FIXTURE, slow: true };
    const controller = new AbortController();
    const err = await download({ signal: controller.signal, onProgress: (done) => done > 1_000_000 && controller.abort() }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'cancelled' });
    const part = `${cache.pathFor(REPO, 'model.safetensors')}.part`;
    expect(existsSync(part)).toBe(true);
    behaviour = { body: FIXTURE };
    const r = await download({ expectedSha256: FIXTURE_SHA });
    expect(requests.at(-1)?.range).toMatch(/^bytes=\d+-$/);
    expect(r.resumed).toBe(true);
    expect(readFileSync(r.path).equals(FIXTURE)).toBe(true);
  });

  it('says how to work offline when the server cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const err = await download({ endpoint: `http://127.0.0.1:${port}` }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/Cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)\. .*labeltune weights import <file> --arch <arch>/);
  });
});
