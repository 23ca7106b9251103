import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from '../../../../shared/random.ts';
import { DEMO_CLASSES, type DemoClass, type PatientAnatomy, drawPhantom, randomAnatomy } from './phantom.ts';
import { encodeGrey16Png } from '../../../imaging/png16.ts';

export interface DemoOptions {
  /** Number of image files, duplicates included (default 120). */
  images?: number;
  seed?: number;
  /** Side of the square images in pixels (default 192). */
  size?: number;
}

export interface DemoImage {
  /** Relative to the output folder, as written in the CSV. */
  file: string;
  label: DemoClass;
  patient: string;
  /** For a re-encoded duplicate: the file it copies. */
  duplicateOf?: string;
}

export interface DemoDataset {
  dir: string;
  csv: string;
  images: DemoImage[];
}

export const DEMO_DEFAULTS = { images: 120, seed: 1, size: 192 } as const;

/** Class frequencies: mostly normal, as in real screening data, but enough of each to train on. */
const CLASS_WEIGHTS: Record<DemoClass, number> = { normal: 0.45, opacity: 0.3, effusion: 0.25 };

/**
 * Write a deterministic synthetic chest X-ray data set: `<class>/<patient>-<visit>.png` 16-bit
 * PNGs, patients with 2-4 images each, about one file in 40 a re-encoded exact duplicate, and
 * labels.csv (path,label,group). The same seed gives the same bytes.
 */
export function generateDemoImages(dir: string, opts: DemoOptions = {}): DemoDataset {
  const { images: count, seed, size } = { ...DEMO_DEFAULTS, ...opts };
  const random = mulberry32(seed);
  const duplicates = count >= 10 ? Math.max(1, Math.round(count / 40)) : 0;
  const images: DemoImage[] = [];
  const written = new Map<string, Uint16Array>();
  for (let p = 1; images.length < count - duplicates; p++) {
    const patient = `P${String(p).padStart(4, '0')}`;
    // The first three patients have one class each, so that even a small sample shows every class.
    const label = p <= DEMO_CLASSES.length ? DEMO_CLASSES[p - 1] : pickClass(random());
    const anatomy: PatientAnatomy = randomAnatomy(random);
    const visits = Math.min(2 + Math.floor(random() * 3), count - duplicates - images.length);
    for (let v = 1; v <= visits; v++) {
      const file = `${label}/${patient}-${v}.png`;
      const pixels = drawPhantom({ size, anatomy, finding: label, jitterX: 0.02 * (random() - 0.5), exposure: 0.92 + 0.16 * random(), random });
      write(dir, file, encodeGrey16Png(size, size, pixels));
      written.set(file, pixels);
      images.push({ file, label, patient });
    }
  }
  for (let d = 0; d < duplicates; d++) {
    // The draw may land on an earlier duplicate: copy its original (whose pixels were written).
    // Mapping rather than drawing from the originals only keeps every data set that worked before
    // byte for byte the same.
    const drawn = images[Math.floor(random() * images.length)];
    const original = drawn.duplicateOf === undefined ? drawn : (images.find((i) => i.file === drawn.duplicateOf) as DemoImage);
    const file = `${original.label}/${original.patient}-copy${d + 1}.png`;
    // A different compression level: other bytes, same pixels. Only the pixel hash can catch it.
    write(dir, file, encodeGrey16Png(size, size, written.get(original.file) as Uint16Array, 1));
    images.push({ file, label: original.label, patient: original.patient, duplicateOf: original.file });
  }
  const csv = join(dir, 'labels.csv');
  writeFileSync(csv, ['path,label,group', ...images.map((i) => `${i.file},${i.label},${i.patient}`)].join('\n') + '\n');
  return { dir, csv, images };
}

function pickClass(r: number): DemoClass {
  let acc = 0;
  for (const c of DEMO_CLASSES) {
    acc += CLASS_WEIGHTS[c];
    if (r < acc) return c;
  }
  return 'normal';
}

function write(dir: string, file: string, bytes: Buffer): void {
  const path = join(dir, file);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, bytes);
}
