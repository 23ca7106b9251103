import { ZodError } from 'zod';
import { EngineError, internal, unsupported, validation } from '../../shared/contract/errors.ts';
import type { Handlers, Method } from '../../shared/contract/index.ts';
import { describeArgumentError } from './argument-errors.ts';
import type { HandlerImpl, Implementation } from './handler.ts';

/**
 * The single place where a method name and an untrusted argument become a call: every transport
 * (in-memory, Electron IPC, WebSocket, CLI) goes through `dispatch`.
 */
export class Dispatcher {
  constructor(private readonly table: Implementation<Handlers>) {}

  get methods(): Method[] {
    return Object.keys(this.table) as Method[];
  }

  async dispatch(method: string, args: unknown): Promise<unknown> {
    if (!Object.hasOwn(this.table, method)) throw unsupported(`The engine has no method "${method}".`);
    const impl = this.table[method as Method] as unknown as HandlerImpl<Method>;
    const parsed = impl.schema.safeParse(args ?? {});
    if (!parsed.success) throw argumentError(method, parsed.error, args, impl.schema);
    try {
      return await impl.run(parsed.data);
    } catch (e) {
      throw toEngineError(e, method);
    }
  }
}

export function toEngineError(e: unknown, method: string): EngineError {
  if (e instanceof EngineError) return e;
  if (e instanceof ZodError) return argumentError(method, e, undefined);
  const message = e instanceof Error ? e.message : String(e);
  // Unexpected failures keep their stack in the log; the user sees what went wrong and where.
  if (process.env.LABELTUNE_QUIET !== '1') console.error(`[engine] ${method} failed:`, e);
  return internal(`${method} failed unexpectedly: ${message}`);
}

/** The sentence is for the user; the method and zod's issues go into the details (and the log) for whoever debugs it. */
function argumentError(method: string, error: ZodError, args: unknown, schema?: HandlerImpl<Method>['schema']): EngineError {
  if (process.env.LABELTUNE_QUIET !== '1') console.warn(`[engine] ${method}: invalid arguments:`, JSON.stringify(error.issues));
  return validation(describeArgumentError(error, args ?? {}, schema), { method, issues: error.issues });
}
