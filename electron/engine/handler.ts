import { z } from 'zod';
import type { Args, Method, Result } from '../../shared/contract/index.ts';

/** One engine method: its boundary schema and its implementation. */
export interface HandlerImpl<M extends Method> {
  schema: z.ZodType<Args<M>>;
  run: (args: Args<M>) => Promise<Result<M>> | Result<M>;
}

/** The implementation of one feature's handler map (e.g. `Implementation<ProjectHandlers>`). */
export type Implementation<H> = { [M in keyof H & Method]: HandlerImpl<M> };

/** The intersection of the handler maps given to `mergeHandlers`, in order. */
type Merged<T extends readonly object[]> = T extends readonly [infer H, ...infer R extends readonly object[]] ? H & Merged<R> : unknown;

/**
 * One table from several features' handler maps. Object spread would keep the last of two
 * implementations of a method and drop the other without a word; here a duplicate name throws,
 * naming the method and the two maps (by position) that define it.
 */
export function mergeHandlers<T extends readonly object[]>(...maps: T): Merged<T> {
  const table: Record<string, unknown> = {};
  const owner = new Map<string, number>();
  maps.forEach((map, index) => {
    for (const [method, impl] of Object.entries(map)) {
      const first = owner.get(method);
      if (first !== undefined) throw new Error(`Handler maps ${first + 1} and ${index + 1} both define "${method}": a method has one implementation.`);
      owner.set(method, index);
      table[method] = impl;
    }
  });
  return table as Merged<T>;
}

/** Schema of a handler that takes no arguments: `{}` and nothing else. */
export const noArgs = z.object({}).strict() as unknown as z.ZodType<Record<string, never>>;

/** A non-empty string, trimmed, with a message that names the field. */
export const nonEmpty = (field: string) =>
  z.string().trim().min(1, { message: `${field} must not be empty` });

/**
 * Longest name a person types (class, label set, project). A longer one is a paste gone wrong; it
 * would also bloat every label list, report and export that repeats it.
 */
export const NAME_MAX = 200;

/** A name a person types: trimmed, 1 to NAME_MAX characters, messages naming the field. */
export const typedName = (field: string) =>
  nonEmpty(field).max(NAME_MAX, { message: `${field} must be at most ${NAME_MAX} characters; shorten it` });
