import { z } from 'zod';
import type { SystemHandlers } from '../../../shared/contract/system.ts';
import type { EngineContext } from '../context.ts';
import { type Implementation, noArgs } from '../handler.ts';
import { onHost } from '../host/host-job.ts';
import { browseFolder } from './browse.ts';

const browseArgs = z.object({ dir: z.string().max(4096).optional(), hidden: z.boolean().optional() }).strict();

/** Machine-level diagnostics and the path browser; they need no open project. */
export function systemHandlers(_ctx: EngineContext): Implementation<SystemHandlers> {
  return {
    // The backends are checked where training runs, in a model host: a native module that crashes
    // on load takes that host down, not the engine.
    'system.doctor': { schema: noArgs, run: () => onHost('doctor', {}, { what: 'backend check' }) },
    'system.browse': { schema: browseArgs, run: (a) => browseFolder(a) },
  };
}
