/**
 * The pure half of `npm run bench gpu`: how the 8-minute budget is shared between the child
 * processes, how a cell and a ratio read, and the markdown table. The measuring lives in
 * gpu.bench.ts (the parent) and gpu-worker.ts (one child per rung and model).
 */

export const GPU_BENCH_ARCHS = ['resnet18', 'resnet50', 'vit_small_patch16_224'] as const;
export type GpuBenchArch = (typeof GPU_BENCH_ARCHS)[number];
export const GPU_BENCH_MODES = ['train', 'infer'] as const;
export type GpuBenchMode = (typeof GPU_BENCH_MODES)[number];

/**
 * A measured cell, or why it has no figure ("over budget", "rung unavailable", ...). `batch`: images
 * per step (the plan's training batch for that rung and model, the app's inference batch); img/s is
 * per image, so cells of different batches compare. `warmUpOnly`: no timed step fitted, so the
 * figure is the warm-up step's (compilation included): a lower bound.
 */
export type Cell = { imagesPerSecond: number; batch: number; steps: number; warmUpOnly?: boolean } | { na: string };

/** One column of the table: a TF.js rung or PyTorch, with the cells it measured by "arch/mode". */
export interface Column {
  label: string;
  cells: Partial<Record<`${GpuBenchArch}/${GpuBenchMode}`, Cell>>;
  /** Why the whole column is empty (the rung or PyTorch is not available), shown under the table. */
  unavailable?: string;
}

/**
 * Seconds the next child may take: the time left shared evenly between the children still to run,
 * so a rung that fails fast or finishes early hands its time to the next; never more than `cap`.
 */
export function childBudgetSeconds(remainingSeconds: number, childrenLeft: number, cap = Infinity): number {
  if (childrenLeft <= 0 || remainingSeconds <= 0) return 0;
  return Math.min(cap, remainingSeconds / childrenLeft);
}

/** Whether another timed step fits: always one, then only while the window is open and a step fits in what is left. */
export function anotherStepFits(stepsDone: number, elapsedSeconds: number, windowSeconds: number, secondsPerStep: number, secondsLeft: number): boolean {
  if (stepsDone === 0) return secondsPerStep <= secondsLeft;
  return elapsedSeconds < windowSeconds && secondsPerStep <= secondsLeft;
}

export function cellText(c: Cell | undefined): string {
  if (!c) return 'n/a: over budget';
  if ('na' in c) return `n/a: ${c.na}`;
  const digits = c.imagesPerSecond >= 100 ? 0 : c.imagesPerSecond >= 10 ? 1 : 2;
  if (c.warmUpOnly) return `≥ ${c.imagesPerSecond.toFixed(digits)} (batch ${c.batch}, warm-up only)`;
  return `${c.imagesPerSecond.toFixed(digits)} (batch ${c.batch}, ${c.steps} step${c.steps === 1 ? '' : 's'})`;
}

/** "2.50x": how many times faster `a` is than `reference`; "-" when either has no timed figure. */
export function ratioText(a: Cell | undefined, reference: Cell | undefined): string {
  if (!a || !reference || 'na' in a || 'na' in reference || a.warmUpOnly || reference.warmUpOnly) return '-';
  return `${(a.imagesPerSecond / reference.imagesPerSecond).toFixed(2)}x`;
}

/** The reference the ratios divide by: the first column named in `preferred` that measured anything. */
export function referenceColumn(columns: Column[], preferred: string[]): Column | null {
  for (const label of preferred) {
    const c = columns.find((col) => col.label.startsWith(label));
    if (c && Object.values(c.cells).some((cell) => cell && !('na' in cell))) return c;
  }
  return null;
}

const row = (cells: string[]) => `| ${cells.join(' | ')} |`;

/** The markdown table: img/s per column, then each other column's ratio to the reference, then notes. */
export function formatGpuTable(columns: Column[], reference: Column | null): string {
  const others = reference ? columns.filter((c) => c !== reference) : [];
  const head = ['model', 'step', ...columns.map((c) => `${c.label} img/s`), ...others.map((c) => `${c.label} / ${reference!.label}`)];
  const lines = [row(head), row(head.map(() => '---'))];
  for (const arch of GPU_BENCH_ARCHS) {
    for (const mode of GPU_BENCH_MODES) {
      const key = `${arch}/${mode}` as const;
      const cells = columns.map((c) => (c.unavailable ? 'n/a' : cellText(c.cells[key])));
      const ratios = others.map((c) => ratioText(c.cells[key], reference!.cells[key]));
      lines.push(row([arch, mode === 'train' ? 'train step' : 'inference', ...cells, ...ratios]));
    }
  }
  const notes = columns.filter((c) => c.unavailable).map((c) => `- ${c.label}: not measured: ${c.unavailable}`);
  return [...lines, ...(notes.length ? ['', ...notes] : [])].join('\n');
}
