import type { EngineClient } from '../../../../shared/contract/index.ts';
import type { CountedWriteArgs, UndoResult } from '../../../../shared/contract/labels.ts';
import { describeStep } from './session.ts';
import { toasts } from './toasts.svelte.ts';

export interface UndoStepOptions<S extends CountedWriteArgs> {
  session: string;
  /** Asks before a bulk or import step; false leaves it. */
  ask: (question: string) => boolean | Promise<boolean>;
  /** What the write sends so its answer carries the caller's count deltas (the grid's filter). */
  counted?: () => S;
}

/** An undo or redo that was taken, with the counted arguments it was sent with. */
export interface TakenStep<S extends CountedWriteArgs> {
  change: UndoResult;
  sent: S;
}

/**
 * Undo or redo a session's own last action (the grid, the viewer and the model-assisted queue share
 * it). One image goes back at once; a bulk label or an import comes back held, and is taken only
 * once the user says yes. A toast names what was done. Null when the user said no.
 */
export async function stepHistory<S extends CountedWriteArgs = CountedWriteArgs>(
  client: EngineClient,
  method: 'labels.undo' | 'labels.redo',
  options: UndoStepOptions<S>,
): Promise<TakenStep<S> | null> {
  const { session, ask, counted = () => ({}) as S } = options;
  const verb = method === 'labels.undo' ? 'Undo' : 'Redo';
  let sent = counted();
  let change = await client.invoke(method, { ...sent, session, askAbove: 1 });
  if (change.held && change.step) {
    const when = new Date(change.step.at).toLocaleTimeString();
    if (!(await ask(`${verb} the ${describeStep(change.step)} (${when})? Labels made in other windows stay as they are.`))) return null;
    sent = counted();
    change = await client.invoke(method, { ...sent, session, expect: change.step.batchId });
  }
  const skipped = change.skipped.length > 0 ? `; ${change.skipped.length} image(s) changed since were left as they are` : '';
  // An import's CSV placed a split: say whether it went back too, or was kept because it changed since.
  const split = change.split ? ` ${change.split.message}` : '';
  if (change.step) toasts.push('info', `${verb === 'Undo' ? 'Undone' : 'Redone'}: ${describeStep(change.step)}${skipped}.${split}`);
  else toasts.push('info', `Nothing to ${verb.toLowerCase()} in this window.`);
  return { change, sent };
}
