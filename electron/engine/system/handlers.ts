import type { SystemHandlers } from '../../../shared/contract/system.ts';
import type { EngineContext } from '../context.ts';
import { type Implementation, noArgs } from '../handler.ts';

/** Machine-level diagnostics; they need no open project. */
export function systemHandlers(_ctx: EngineContext): Implementation<SystemHandlers> {
  return {
    // The doctor initialises TensorFlow backends: loaded when asked, not with the engine.
    'system.doctor': { schema: noArgs, run: async () => (await import('../../training/backends/doctor.ts')).doctorReport() },
  };
}
