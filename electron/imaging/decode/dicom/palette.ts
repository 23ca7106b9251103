import type { DataSet } from 'dicom-parser';
import { corruptFile, unsupportedFile } from '../errors.ts';
import type { DecodedImage } from '../../../../shared/domain/pixels.ts';
import type { IntSamples } from './frames.ts';
import type { PixelLayout } from './layout.ts';

/** The three lookup tables of a PALETTE COLOR image, already reduced to 8-bit entries. */
export interface Palette {
  firstMapped: number;
  red: Uint8Array;
  green: Uint8Array;
  blue: Uint8Array;
}

const CHANNELS = [
  ['Red', 'x00281101', 'x00281201'],
  ['Green', 'x00281102', 'x00281202'],
  ['Blue', 'x00281103', 'x00281203'],
] as const;

/**
 * Reads the Red/Green/Blue Palette Color LUTs (PS3.3 C.7.6.3.1.5). Entries of 16 bits are
 * reduced to 8 (the high byte): LabelTune shows and trains on 8-bit colour, and a window over
 * palette indices would change the colours rather than the contrast.
 */
export function readPalette(ds: DataSet, file: string): Palette {
  const tables = CHANNELS.map(([name, descriptorTag, dataTag]) => {
    const element = ds.elements[dataTag];
    if (!element || element.length === 0) {
      throw ds.elements.x00281221
        ? unsupportedFile(file, 'uses a segmented PALETTE COLOR lookup table, which LabelTune cannot read yet; convert it to RGB and import the copy.')
        : corruptFile(file, `the PALETTE COLOR image has no ${name} Palette Color Lookup Table Data`);
    }
    const entries = ds.uint16(descriptorTag, 0) || 65536;
    const bits = ds.uint16(descriptorTag, 2) ?? 16;
    return { first: ds.uint16(descriptorTag, 1) ?? 0, lut: readLut(ds, dataTag, entries, bits, file) };
  });
  return { firstMapped: tables[0].first, red: tables[0].lut, green: tables[1].lut, blue: tables[2].lut };
}

function readLut(ds: DataSet, tag: string, entries: number, bits: number, file: string): Uint8Array {
  const element = ds.elements[tag];
  const bytesPerEntry = element.length / entries;
  if (bytesPerEntry !== 1 && bytesPerEntry !== 2) {
    throw corruptFile(file, `the palette table ${tag.slice(1)} holds ${element.length} bytes for ${entries} entries`);
  }
  const lut = new Uint8Array(entries);
  for (let i = 0; i < entries; i++) {
    const v = bytesPerEntry === 1 ? ds.byteArray[element.dataOffset + i] : (ds.uint16(tag, i) ?? 0);
    lut[i] = bits > 8 ? v >> 8 : Math.min(v, 255);
  }
  return lut;
}

/** A PALETTE COLOR frame as an 8-bit RGB image. */
export function paletteImage(indices: IntSamples, layout: PixelLayout, palette: Palette): DecodedImage {
  return { width: layout.columns, height: layout.rows, channels: 3, bitDepth: 8, data: applyPalette(indices, palette), window: null };
}

/** Index -> RGB; indices outside the table take its first or last entry, as the standard says. */
export function applyPalette(indices: IntSamples, palette: Palette): Uint8Array {
  const out = new Uint8Array(indices.length * 3);
  const last = palette.red.length - 1;
  for (let i = 0; i < indices.length; i++) {
    const k = Math.min(Math.max(indices[i] - palette.firstMapped, 0), last);
    out[i * 3] = palette.red[k];
    out[i * 3 + 1] = palette.green[k];
    out[i * 3 + 2] = palette.blue[k];
  }
  return out;
}
