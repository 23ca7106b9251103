import type { SystemHandlers } from '../../../shared/contract/system.ts';
import { doctorReport } from '../../training/backends/doctor.ts';
import type { EngineContext } from '../context.ts';
import { type Implementation, noArgs } from '../handler.ts';

/** Machine-level diagnostics; they need no open project. */
export function systemHandlers(_ctx: EngineContext): Implementation<SystemHandlers> {
  return {
    'system.doctor': { schema: noArgs, run: () => doctorReport() },
  };
}
