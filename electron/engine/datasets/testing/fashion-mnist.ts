import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import sharp from 'sharp';

/** Where Debian's `dataset-fashion-mnist` package puts the IDX files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Class folder names, in label order (0 = T-shirt/top ... 9 = Ankle boot). */
export const FASHION_MNIST_CLASSES = [
  't-shirt-top', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle-boot',
] as const;

export function fashionMnistAvailable(dir = FASHION_MNIST_DIR): boolean {
  return existsSync(join(dir, 't10k-images-idx3-ubyte.gz')) && existsSync(join(dir, 't10k-labels-idx1-ubyte.gz'));
}

function readIdx(file: string, magic: number): { dims: number[]; data: Buffer } {
  const buf = gunzipSync(readFileSync(file));
  if (buf.readUInt32BE(0) !== magic) throw new Error(`${file} is not an IDX file with magic ${magic}`);
  const rank = magic & 0xff;
  const dims = Array.from({ length: rank }, (_, k) => buf.readUInt32BE(4 + 4 * k));
  return { dims, data: buf.subarray(4 + 4 * rank) };
}

/**
 * Write the first `perClass` images of each class of Fashion-MNIST's test set as 28x28 grey PNG
 * files in class folders (`<dir>/<class>/<index>.png`): real photos for import tests.
 */
export async function writeFashionMnistFolders(dir: string, perClass: number, source = FASHION_MNIST_DIR): Promise<Record<string, number>> {
  const images = readIdx(join(source, 't10k-images-idx3-ubyte.gz'), 0x00000803);
  const labels = readIdx(join(source, 't10k-labels-idx1-ubyte.gz'), 0x00000801);
  const [count, rows, cols] = images.dims;
  const written: Record<string, number> = Object.fromEntries(FASHION_MNIST_CLASSES.map((c) => [c, 0]));
  for (const c of FASHION_MNIST_CLASSES) mkdirSync(join(dir, c), { recursive: true });
  for (let i = 0; i < count; i++) {
    const name = FASHION_MNIST_CLASSES[labels.data[i]];
    if (written[name] >= perClass) continue;
    const pixels = images.data.subarray(i * rows * cols, (i + 1) * rows * cols);
    const png = await sharp(pixels, { raw: { width: cols, height: rows, channels: 1 } }).toColourspace('b-w').png().toBuffer();
    writeFileSync(join(dir, name, `${String(i).padStart(5, '0')}.png`), png);
    written[name]++;
    if (Object.values(written).every((n) => n >= perClass)) break;
  }
  return written;
}
