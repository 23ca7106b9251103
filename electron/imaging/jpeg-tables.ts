/**
 * The example tables of ITU T.81 Annex K that every baseline JPEG decoder knows: quantization
 * (K.1, K.2, in natural row-major order) and Huffman (K.3: code counts per length 1..16, then the
 * symbols in code order). Symbols are (run << 4) | size for AC, the size category for DC.
 */

export const LUMA_QUANT = [
  16, 11, 10, 16, 24, 40, 51, 61,
  12, 12, 14, 19, 26, 58, 60, 55,
  14, 13, 16, 24, 40, 57, 69, 56,
  14, 17, 22, 29, 51, 87, 80, 62,
  18, 22, 37, 56, 68, 109, 103, 77,
  24, 35, 55, 64, 81, 104, 113, 92,
  49, 64, 78, 87, 103, 121, 120, 101,
  72, 92, 95, 98, 112, 100, 103, 99,
];

export const CHROMA_QUANT = [
  17, 18, 24, 47, 99, 99, 99, 99,
  18, 21, 26, 66, 99, 99, 99, 99,
  24, 26, 56, 99, 99, 99, 99, 99,
  47, 66, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99,
];

/** ZIGZAG[k] is the natural (row-major) index of the k-th coefficient in scan order (Figure A.6). */
export const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10,
  17, 24, 32, 25, 18, 11, 4, 5,
  12, 19, 26, 33, 40, 48, 41, 34,
  27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36,
  29, 22, 15, 23, 30, 37, 44, 51,
  58, 59, 52, 45, 38, 31, 39, 46,
  53, 60, 61, 54, 47, 55, 62, 63,
];

export interface HuffmanSpec {
  /** Number of codes of each length 1..16 (the DHT segment's BITS). */
  counts: number[];
  /** Symbols in order of increasing code (HUFFVAL). */
  symbols: number[];
}

/** The long tails of K.3's AC lists are runs of consecutive symbols: (run << 4) | from ... to. */
function span(run: number, from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, k) => (run << 4) | (from + k));
}

export const DC_LUMA: HuffmanSpec = {
  counts: [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0],
  symbols: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
};

export const DC_CHROMA: HuffmanSpec = {
  counts: [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0],
  symbols: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
};

export const AC_LUMA: HuffmanSpec = {
  counts: [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d],
  symbols: [
    0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
    0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
    0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
    0x29, 0x2a, ...span(3, 4, 10), ...span(4, 3, 10), ...span(5, 3, 10), ...span(6, 3, 10), ...span(7, 3, 10),
    ...span(8, 3, 10), ...span(9, 2, 10), ...span(10, 2, 10), ...span(11, 2, 10), ...span(12, 2, 10),
    ...span(13, 2, 10), ...span(14, 1, 10), ...span(15, 1, 10),
  ],
};

export const AC_CHROMA: HuffmanSpec = {
  counts: [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77],
  symbols: [
    0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
    0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0,
    0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26,
    0x27, 0x28, 0x29, 0x2a, ...span(3, 5, 10), ...span(4, 3, 10), ...span(5, 3, 10), ...span(6, 3, 10),
    ...span(7, 3, 10), ...span(8, 2, 10), ...span(9, 2, 10), ...span(10, 2, 10), ...span(11, 2, 10),
    ...span(12, 2, 10), ...span(13, 2, 10), ...span(14, 2, 10), ...span(15, 2, 10),
  ],
};
