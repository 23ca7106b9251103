import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { encodeGrey16Png } from '../../electron/imaging/png16.ts';

/** The import benchmarks' files: 512x512, 16-bit grey PNG (zlib level 6, no filter) or 8-bit RGB JPEG q90. */
export const SIZE = 512;

export async function writeBenchFiles(dir: string, kind: 'png16' | 'jpeg', count: number): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const names: string[] = [];
  for (let k = 0; k < count; k++) {
    const name = join(dir, `${String(k).padStart(5, '0')}.${kind === 'png16' ? 'png' : 'jpg'}`);
    if (kind === 'png16') writeFileSync(name, encodeGrey16Png(SIZE, SIZE, grey16(k)));
    else await sharp(rgb8(k), { raw: { width: SIZE, height: SIZE, channels: 3 } }).jpeg({ quality: 90 }).toFile(name);
    names.push(name);
  }
  return names;
}

/** Smooth anatomy-like structure plus noise, different for every k (no accidental duplicates). */
function grey16(k: number): Uint16Array {
  const out = new Uint16Array(SIZE * SIZE);
  let s = (k + 1) * 2654435761;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      s = (s * 1103515245 + 12345) >>> 0;
      out[y * SIZE + x] = 8000 + 6000 * Math.sin((x + k) / 37) * Math.cos(y / 53) + (s >>> 22);
    }
  }
  return out;
}

function rgb8(k: number): Buffer {
  const out = Buffer.alloc(SIZE * SIZE * 3);
  for (let i = 0; i < out.length; i++) out[i] = (128 + 100 * Math.sin((i % (SIZE * 3)) / (17 + (k % 11)) + k) + ((i * 7) % 13)) & 0xff;
  return out;
}
