import { randomUUID } from 'node:crypto';
import { conflict, notFound } from '../../../shared/contract/errors.ts';
import type { RunPlan } from '../../../shared/domain/run.ts';
import type { RunData } from './data.ts';

/** Plans kept for `runs.start { planId }`; a UI plans on every form change, so older ones go. */
const KEPT = 32;

interface Kept {
  plan: RunPlan;
  projectDir: string;
  /** The images and classes the plan was made for. */
  data: string;
}

/** What a run trains on, as one comparable string: classes and the train/validation images with their targets. */
function fingerprint(data: RunData): string {
  return JSON.stringify([data.classes, data.multiLabel, data.aux, data.manifest.train, data.manifest.val]);
}

/**
 * The plans `runs.plan` answered, so that `runs.start` trains exactly one of them (config, seed and
 * parameter counts included) without resolving or building anything again.
 */
export class PlanStore {
  private readonly plans = new Map<string, Kept>();

  remember(plan: RunPlan, data: RunData, projectDir: string): RunPlan {
    const planId = randomUUID();
    this.plans.set(planId, { plan: { ...plan, planId }, projectDir, data: fingerprint(data) });
    for (const old of this.plans.keys()) {
      if (this.plans.size <= KEPT) break;
      this.plans.delete(old);
    }
    return { ...plan, planId };
  }

  /**
   * The plan to start, with the project's data read now (`load`, with the auxiliary task when the
   * plan has one); refused when unknown, of another project, or made for data that has changed since.
   */
  take(planId: string, projectDir: string, load: (withAux: boolean) => RunData): { plan: RunPlan; data: RunData } {
    const kept = this.plans.get(planId);
    if (!kept || kept.projectDir !== projectDir) {
      throw notFound(`Plan ${planId} is not known to this session (the app restarted, the project changed, or it is older than the last ${KEPT} plans). Plan the run again.`);
    }
    const data = load(kept.plan.config.aux !== null);
    if (kept.data !== fingerprint(data)) {
      throw conflict('Labels, splits or classes changed since this run was planned, so the plan no longer describes the data it would train on. Plan the run again.');
    }
    return { plan: kept.plan, data };
  }
}
