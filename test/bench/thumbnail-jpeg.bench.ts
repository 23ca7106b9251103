import { loadavg } from 'node:os';
import sharp from 'sharp';
import type { DecodedImage } from '../../shared/domain/pixels.ts';
import { PLAIN_ANATOMY, drawPhantom } from '../../electron/engine/datasets/demo/phantom.ts';
import { encodeJpeg } from '../../electron/imaging/jpeg-encode.ts';
import { renderImage, toDisplayBytes } from '../../electron/imaging/render.ts';
import { shrinkImage } from '../../electron/imaging/shrink.ts';

const CALLS = 60;
const ROUNDS = 6;

/**
 * CPU time per 256 px q85 thumbnail encode (ms, process.cpuUsage, best of 6 interleaved rounds of 60 calls):
 * our encoder (jpeg-encode.ts) next to sharp on the same pixels, both the bare sharp call and the
 * renderImage pipeline the thumbnail used before. Run: `npm run bench thumbnail`.
 */
export async function thumbnailJpeg(): Promise<Record<string, number>> {
  sharp.cache(false);
  const calls: Record<string, () => unknown> = {};
  for (const [name, img] of Object.entries(inputs())) {
    const raw = { width: img.width, height: img.height, channels: img.channels };
    const bytes = toDisplayBytes(img, img.window ?? undefined);
    const space = img.channels === 1 ? 'b-w' : 'srgb';
    // Ours with the windowing, like renderImage; sharp's bare call from the already windowed bytes.
    calls[`${name}: window + ours`] = () => encodeJpeg({ ...raw, channels: img.channels as 1 | 3, data: toDisplayBytes(img, img.window ?? undefined) }, 85);
    calls[`${name}: sharp jpeg()`] = () => sharp(bytes, { raw }).toColourspace(space).jpeg({ quality: 85 }).toBuffer();
    calls[`${name}: renderImage (before)`] = () => renderImage(img, { window: img.window ?? undefined, size: 256, format: 'jpeg', quality: 85 });
  }
  // Interleaved rounds, the fastest round of each kept: other processes on a shared machine only add time.
  const results: Record<string, number> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, fn] of Object.entries(calls)) results[name] = Math.min(results[name] ?? Infinity, await cpuPerCall(fn));
  }
  console.log(`   load average ${loadavg()[0].toFixed(2)}; ms CPU per call (best of ${ROUNDS} rounds of ${CALLS})`);
  for (const [k, ms] of Object.entries(results)) console.log(`     ${k.padEnd(44)} ${ms.toFixed(2)}`);
  return results;
}

function inputs(): Record<string, DecodedImage> {
  let s = 3;
  const random = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const xray = drawPhantom({ size: 512, anatomy: PLAIN_ANATOMY, finding: 'opacity', jitterX: 0, exposure: 1, random });
  const rgb = new Uint8Array(256 * 256 * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = 128 + 60 * Math.sin((i % 768) / 40 + (i % 3)) + 40 * Math.cos(i / 768 / 17) + (random() * 13 - 6);
  return {
    'x-ray 256 grey (from 16-bit)': shrinkImage({ width: 512, height: 512, channels: 1, bitDepth: 16, data: xray, window: null }, 256),
    'noisy photo 256 RGB': { width: 256, height: 256, channels: 3, bitDepth: 8, data: rgb, window: null },
    'bench photo 256 RGB': shrinkImage({ width: 512, height: 512, channels: 3, bitDepth: 8, data: benchPhoto(), window: null }, 256),
  };
}

/** The RGB pattern of the import benchmark's JPEG files (import-files.ts), before its JPEG round trip. */
function benchPhoto(): Uint8Array {
  const out = new Uint8Array(512 * 512 * 3);
  for (let i = 0; i < out.length; i++) out[i] = (128 + 100 * Math.sin((i % (512 * 3)) / 17) + ((i * 7) % 13)) & 0xff;
  return out;
}

async function cpuPerCall(fn: () => unknown): Promise<number> {
  for (let i = 0; i < 10; i++) await fn();
  const start = process.cpuUsage();
  for (let i = 0; i < CALLS; i++) await fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / CALLS;
}
