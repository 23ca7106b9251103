import type { RunStepPoint } from '../../../shared/domain/run.ts';

/** Points kept per run: enough for a smooth curve, small enough for one `runs.get` answer. */
export const MAX_STEP_POINTS = 1000;
/** Runs remembered per engine process; the oldest is forgotten first. */
const MAX_RUNS = 16;

/** One run's step losses, thinned evenly as they grow: when full, every other point goes and the stride doubles. */
class RunSteps {
  points: RunStepPoint[] = [];
  private stride = 1;
  private seen = 0;

  add(p: RunStepPoint): void {
    // A resumed run restarts from its checkpoint: what it trains again replaces what was lost.
    while (this.points.length && this.points[this.points.length - 1].x >= p.x) this.points.pop();
    if (this.seen++ % this.stride !== 0) return;
    this.points.push(p);
    if (this.points.length >= MAX_STEP_POINTS) {
      this.points = this.points.filter((_, i) => i % 2 === 0);
      this.stride *= 2;
    }
  }
}

/**
 * The training steps of the runs this engine supervised, kept in memory: the database stores a
 * run's epochs, not its thousands of steps, and a window that reloads mid-run asks for them here.
 * Keyed by project folder and run id (run ids restart at 1 in every project).
 */
export class StepHistory {
  private readonly runs = new Map<string, RunSteps>();

  /** The recorder of one run's steps (the same one again when a run is resumed). */
  recorder(projectDir: string, runId: number): (p: RunStepPoint) => void {
    const key = `${projectDir}\u0000${runId}`;
    let run = this.runs.get(key);
    if (!run) {
      run = new RunSteps();
      this.runs.set(key, run);
      if (this.runs.size > MAX_RUNS) this.runs.delete(this.runs.keys().next().value!);
    }
    const target = run;
    return (p) => target.add(p);
  }

  /** A run's steps so far, oldest first; undefined when this engine did not train it. */
  of(projectDir: string, runId: number): RunStepPoint[] | undefined {
    const run = this.runs.get(`${projectDir}\u0000${runId}`);
    return run ? [...run.points] : undefined;
  }
}
