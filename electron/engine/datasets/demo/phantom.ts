/**
 * A synthetic chest radiograph: body silhouette, two lung fields, spine, heart, ribs and noise,
 * in 16-bit grey. Each class adds its finding in a fixed region (DEMO_CLASS_REGIONS), so later
 * tests can check that a model (and its Grad-CAM) looks where the signal is.
 */

export const DEMO_CLASSES = ['normal', 'opacity', 'effusion'] as const;
export type DemoClass = (typeof DEMO_CLASSES)[number];

/** Where each finding is drawn, as fractions of width and height (x, y = top left). */
export const DEMO_CLASS_REGIONS: Record<Exclude<DemoClass, 'normal'>, { x: number; y: number; w: number; h: number }> = {
  opacity: { x: 0.2, y: 0.28, w: 0.26, h: 0.28 },
  effusion: { x: 0.56, y: 0.52, w: 0.24, h: 0.16 },
};

/**
 * What stays the same between a patient's images: body and lung size, position, heart size, and
 * how the technologist framed them (collimation borders, the side marker). Without the framing,
 * phantoms of different patients were near duplicates of each other to the perceptual hash (one
 * pair in five within 6 bits), and the sample project's leakage report listed look-alikes, not leaks.
 */
export interface PatientAnatomy {
  bodyWidth: number;
  lungHeight: number;
  shiftX: number;
  shiftY: number;
  heartSize: number;
  /** Collimated (unexposed, bright) border on each side, as a fraction of the image. */
  collimation: { left: number; right: number; top: number; bottom: number };
  /** Centre of the lead side marker, in the top part of the image. */
  marker: { x: number; y: number };
}

/** The average patient, centred, with no collimation border or marker in view. */
export const PLAIN_ANATOMY: PatientAnatomy = {
  bodyWidth: 1,
  lungHeight: 1,
  shiftX: 0,
  shiftY: 0,
  heartSize: 1,
  collimation: { left: 0, right: 0, top: 0, bottom: 0 },
  marker: { x: -1, y: -1 },
};

/** A random patient: the ranges the demo data set draws from. */
export function randomAnatomy(random: () => number): PatientAnatomy {
  const border = () => 0.1 * random() ** 2;
  const left = random() < 0.5;
  return {
    bodyWidth: 0.9 + 0.2 * random(),
    lungHeight: 0.9 + 0.2 * random(),
    shiftX: 0.04 * (random() - 0.5),
    shiftY: 0.04 * (random() - 0.5),
    heartSize: 0.85 + 0.35 * random(),
    collimation: { left: border(), right: border(), top: border(), bottom: border() },
    marker: { x: left ? 0.12 + 0.1 * random() : 0.78 + 0.1 * random(), y: 0.12 + 0.1 * random() },
  };
}

export interface PhantomSpec {
  size: number;
  anatomy: PatientAnatomy;
  finding: DemoClass;
  /** Visit-to-visit variation: small shift and exposure change. */
  jitterX: number;
  exposure: number;
  random: () => number;
}

const AIR = 2500;
const TISSUE = 24000;
const LUNG = 10500;
const BONE = 38000;
const RIB = 5500;
const COLLIMATED = 33000;
const MARKER = 52000;

/** 1 inside the ellipse, 0 outside, with a soft rim of relative width `soft`. */
function ellipse(u: number, v: number, cx: number, cy: number, rx: number, ry: number, soft = 0.08): number {
  const d = Math.sqrt(((u - cx) / rx) ** 2 + ((v - cy) / ry) ** 2);
  if (d <= 1 - soft) return 1;
  if (d >= 1) return 0;
  return (1 - d) / soft;
}

function gaussianNoise(random: () => number): number {
  const u1 = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * random());
}

function intensity(u: number, v: number, s: PhantomSpec): number {
  const { anatomy: a } = s;
  const k = a.collimation;
  if (u < k.left || u > 1 - k.right || v < k.top || v > 1 - k.bottom) return COLLIMATED;
  if (Math.abs(u - a.marker.x) < 0.025 && Math.abs(v - a.marker.y) < 0.035) return MARKER;
  return chest(u, v - a.shiftY, s);
}

function chest(u: number, v: number, s: PhantomSpec): number {
  const { anatomy: a, finding } = s;
  const c = 0.5 + a.shiftX + s.jitterX;
  const body = ellipse(u, v, c, 0.56, 0.42 * a.bodyWidth, 0.52, 0.05);
  let value = AIR + (TISSUE - AIR) * body;
  const lungR = ellipse(u, v, c - 0.18, 0.45, 0.13 * a.bodyWidth, 0.24 * a.lungHeight);
  const lungL = ellipse(u, v, c + 0.18, 0.45, 0.13 * a.bodyWidth, 0.24 * a.lungHeight);
  let lung = Math.max(lungR, lungL);
  if (finding === 'effusion') lung *= effusionMask(u, v, c);
  value -= (TISSUE - LUNG) * lung;
  const ribPhase = (v - 0.2 - 0.25 * (u - c) ** 2) / 0.065;
  if (lung > 0 && ribPhase > 0 && ribPhase < 8 && ribPhase % 1 < 0.28) value += RIB * lung;
  value += (BONE - value) * 0.85 * Math.max(0, 1 - Math.abs(u - c) / 0.035) * body;
  value += (TISSUE + 5000 - value) * 0.8 * ellipse(u, v, c + 0.07, 0.62, 0.12 * a.heartSize, 0.1 * a.heartSize, 0.3) * lungL;
  if (finding === 'opacity') value += 11000 * Math.exp(-(((u - (c - 0.17)) ** 2 + (v - 0.42) ** 2) / (2 * 0.07 ** 2))) * lungR;
  return value;
}

/** The lower part of the image-right lung fills with fluid up to a meniscus-shaped line. */
function effusionMask(u: number, v: number, c: number): number {
  if (u < c) return 1;
  const level = 0.55 - 0.5 * (u - (c + 0.18)) ** 2;
  return v < level ? 1 : Math.max(0, 1 - (v - level) / 0.02);
}

/** Render one phantom as 16-bit samples, row-major. */
export function drawPhantom(s: PhantomSpec): Uint16Array {
  const n = s.size;
  const out = new Uint16Array(n * n);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const value = intensity((x + 0.5) / n, (y + 0.5) / n, s) * s.exposure + 600 * gaussianNoise(s.random);
      out[y * n + x] = Math.max(0, Math.min(65535, Math.round(value)));
    }
  }
  return out;
}
