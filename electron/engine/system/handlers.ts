import type { SystemHandlers } from '../../../shared/contract/system.ts';
import type { EngineContext } from '../context.ts';
import { type Implementation, noArgs } from '../handler.ts';
import { onHost } from '../host/host-job.ts';

/** Machine-level diagnostics; they need no open project. */
export function systemHandlers(_ctx: EngineContext): Implementation<SystemHandlers> {
  return {
    // The backends are checked where training runs, in a model host: a native module that crashes
    // on load takes that host down, not the engine.
    'system.doctor': { schema: noArgs, run: () => onHost('doctor', {}, { what: 'backend check' }) },
  };
}
