import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inferenceBatchSize } from '../../electron/model-host/inference.ts';
import { plannedBatchSize } from '../../electron/model-host/plan.ts';
import { type Cell, childBudgetSeconds, type Column, formatGpuTable, GPU_BENCH_ARCHS, type GpuBenchArch, type GpuBenchMode, referenceColumn } from './gpu-table.ts';
import { torchCudaBlocker, torchThroughput } from './torch-reference.ts';

/**
 * `npm run bench gpu`: train-step and inference img/s of ResNet-18, ResNet-50 and ViT-S at 224 px
 * on each GPU-capable TF.js rung (webgpu, tfjs-node-gpu) and wasm, each rung and model in its own
 * child process (gpu-worker.ts), plus PyTorch on CUDA when /usr/bin/python3 has it; one table with
 * ratios to PyTorch CUDA (else wasm), written to test-results/bench/gpu.md. Unattended in under 8
 * minutes: LABELTUNE_BENCH_GPU_SECONDS (default 420) is shared between the children as they run,
 * and a cell that cannot fit reads "n/a: over budget". LABELTUNE_BENCH_GPU_WINDOW (seconds timed per
 * cell after one warm-up step, default 4), LABELTUNE_BENCH_GPU_TRAIN_BATCH (default: the batch the
 * app's plan gives a `full` run on that rung, so a cell measures what a user's run would do, e.g. 2
 * images of ResNet-50 on wasm; inference uses the app's batch). Each cell shows its batch; img/s is
 * per image, so the ratios compare. With no Vulkan driver set, SwiftShader's (Debian's chromium) is used when
 * present, and its column is labelled as a software adapter.
 */

const RUNGS = ['webgpu', 'tfjs-node-gpu', 'wasm'] as const;
/** The order they run in: a rung that is not installed fails in seconds, and its share of the budget goes to the others. */
const RUN_ORDER = ['tfjs-node-gpu', 'webgpu', 'wasm'] as const;
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const WORKER = fileURLToPath(new URL('./gpu-worker.ts', import.meta.url));
const OUT = fileURLToPath(new URL('../../test-results/bench/gpu.md', import.meta.url));
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

type WorkerLine =
  | { type: 'rung'; ok: boolean; reason: string; software?: boolean }
  | { type: 'phase'; mode: GpuBenchMode; phase: string }
  | ({ type: 'cell'; mode: GpuBenchMode } & Cell);

const cellOf = (l: Cell): Cell => ('na' in l ? { na: l.na } : { imagesPerSecond: l.imagesPerSecond, batch: l.batch, steps: l.steps, ...(l.warmUpOnly ? { warmUpOnly: true } : {}) });

/** Runs one worker for at most `seconds`, returning the JSON lines it printed before it ended or was killed. */
function runWorker(args: string[], seconds: number, env: NodeJS.ProcessEnv): Promise<{ lines: WorkerLine[]; killed: boolean; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args, String(seconds)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, (seconds + 5) * 1000);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', () => {
      clearTimeout(timer);
      const lines = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as WorkerLine);
      const errLines = err.trim().split('\n');
      resolve({ lines, killed, stderr: (errLines.find((l) => /^\w*Error\b/.test(l)) ?? errLines.find((l) => /Aborted|out of memory/i.test(l)))?.trim().slice(0, 200) ?? errLines.at(-1) ?? '' });
    });
  });
}

/** The environment of the children: SwiftShader's Vulkan driver when none is set and it is installed. */
function workerEnv(): { env: NodeJS.ProcessEnv; note: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, LABELTUNE_QUIET: '1' };
  if (env.VK_ICD_FILENAMES || env.VK_DRIVER_FILES) return { env, note: `Vulkan drivers from ${env.VK_ICD_FILENAMES ?? env.VK_DRIVER_FILES}` };
  if (!existsSync(SWIFTSHADER_ICD)) return { env, note: 'Vulkan drivers from /usr/share/vulkan/icd.d' };
  return { env: { ...env, VK_ICD_FILENAMES: SWIFTSHADER_ICD }, note: `no Vulkan driver set: using SwiftShader (VK_ICD_FILENAMES=${SWIFTSHADER_ICD})` };
}

/** LABELTUNE_BENCH_GPU_TRAIN_BATCH when set, else the plan's. */
function trainBatchSetting(): number | 'plan' {
  const set = process.env.LABELTUNE_BENCH_GPU_TRAIN_BATCH;
  return set ? Number(set) : 'plan';
}

const trainBatchText = (plan: Plan) => (plan.trainBatch === 'plan' ? "the plan's for a `full` run on each rung" : String(plan.trainBatch));

interface Plan {
  end: number;
  window: number;
  /** A fixed train batch, or `plan`: the plan's for each rung and model. */
  trainBatch: number | 'plan';
  env: NodeJS.ProcessEnv;
}

/** One rung over every model, a child each; the column is marked unavailable when the rung does not start. */
async function measureRung(rung: string, plan: Plan, childrenLeft: () => number, ran: () => void): Promise<Column> {
  const col: Column = { label: rung, cells: {} };
  for (const arch of GPU_BENCH_ARCHS) {
    const seconds = Math.floor(childBudgetSeconds((plan.end - performance.now()) / 1000, childrenLeft()));
    ran();
    process.stdout.write(`   ${rung} ${arch}: up to ${seconds} s ... `);
    const t0 = performance.now();
    const r = await runWorker([rung, arch, String(seconds), String(plan.window), String(plan.trainBatch)], seconds, plan.env);
    const started = r.lines.find((l) => l.type === 'rung');
    if (started && !started.ok) {
      col.unavailable = started.reason;
      console.log(`unavailable: ${started.reason}`);
      return col;
    }
    if (started?.software) col.label = `${rung} (software adapter)`;
    for (const l of r.lines) if (l.type === 'cell') col.cells[`${arch}/${l.mode}`] = cellOf(l);
    const phases = new Map(r.lines.flatMap((l) => (l.type === 'phase' ? [[l.mode, l.phase] as const] : [])));
    for (const mode of ['infer', 'train'] as const) {
      if (col.cells[`${arch}/${mode}`]) continue;
      const why = r.killed ? `over budget (${phases.get(mode) ?? 'not reached'} at ${seconds} s)` : `worker failed: ${r.stderr}`;
      col.cells[`${arch}/${mode}`] = { na: why };
    }
    console.log(`${((performance.now() - t0) / 1000).toFixed(0)} s${started?.reason && arch === GPU_BENCH_ARCHS[0] ? ` (${started.reason})` : ''}`);
  }
  return col;
}

/** PyTorch on CUDA, counted as one child per model in the budget. */
function measureTorch(plan: Plan, seconds: number): Column {
  const col: Column = { label: 'PyTorch CUDA', cells: {} };
  const blocker = torchCudaBlocker();
  if (blocker) {
    col.unavailable = blocker;
    return col;
  }
  // PyTorch on CUDA trains at the batch the plan gives the CUDA rung (tfjs-node-gpu).
  const jobs = GPU_BENCH_ARCHS.flatMap((arch) => [
    { kind: 'train' as const, arch, size: 224, batch: plan.trainBatch === 'plan' ? plannedBatchSize(arch, 'full', 224, 'tfjs-node-gpu') : plan.trainBatch, iterations: 20, classes: 1000, strategy: 'full' as const, device: 'cuda' as const },
    { kind: 'forward' as const, arch, size: 224, batch: inferenceBatchSize(224), iterations: 20, classes: 1000, device: 'cuda' as const },
  ]);
  const r = torchThroughput(jobs, cpus().length, seconds * 1000);
  if (typeof r === 'string') {
    col.unavailable = r;
    return col;
  }
  jobs.forEach((j, i) => (col.cells[`${j.arch as GpuBenchArch}/${j.kind === 'train' ? 'train' : 'infer'}`] = { imagesPerSecond: r.imagesPerSecond[i], batch: j.batch, steps: j.iterations }));
  return col;
}

export async function gpuThroughput(): Promise<Column[]> {
  const t0 = performance.now();
  const { env, note } = workerEnv();
  const plan: Plan = { end: t0 + num('LABELTUNE_BENCH_GPU_SECONDS', 420) * 1000, window: num('LABELTUNE_BENCH_GPU_WINDOW', 4), trainBatch: trainBatchSetting(), env };
  console.log(`   ${note}; 224 px, train batch ${trainBatchText(plan)}, inference batch ${inferenceBatchSize(224)}, ${plan.window} s per cell after 1 warm-up step`);
  let left = RUNGS.length * GPU_BENCH_ARCHS.length + GPU_BENCH_ARCHS.length;
  const torch = measureTorch(plan, Math.floor(childBudgetSeconds((plan.end - performance.now()) / 1000, left) * GPU_BENCH_ARCHS.length));
  left -= GPU_BENCH_ARCHS.length;
  console.log(`   PyTorch CUDA: ${torch.unavailable ?? 'measured'}`);
  const columns: Column[] = [];
  for (const [i, rung] of RUN_ORDER.entries()) {
    columns.push(await measureRung(rung, plan, () => left, () => left--));
    left = (RUN_ORDER.length - i - 1) * GPU_BENCH_ARCHS.length;
  }
  columns.sort((a, b) => RUNGS.indexOf(a.label.split(' ')[0] as (typeof RUNGS)[number]) - RUNGS.indexOf(b.label.split(' ')[0] as (typeof RUNGS)[number]));
  columns.push(torch);
  const table = formatGpuTable(columns, referenceColumn(columns, ['PyTorch CUDA', 'wasm']));
  const total = ((performance.now() - t0) / 1000).toFixed(0);
  const doc = `# npm run bench gpu\n\n${new Date().toISOString()}, ${cpus().length} CPU(s) (${cpus()[0]?.model ?? 'unknown'}), ${note}.\n` +
    `img/s (per image) at 224 px, train batch ${trainBatchText(plan)}, inference batch ${inferenceBatchSize(224)}, each cell's batch beside it; (N steps) = timed steps after one warm-up, ≥ = only the warm-up step fitted (compilation included); ${total} s in all.\n\n${table}\n`;
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, doc);
  console.log(`\n${table}\n\n   written to ${OUT}`);
  return columns;
}
