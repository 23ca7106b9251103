import type { Services } from './service.ts';

/**
 * Every method the model host serves. Each loads its code when first asked, so a host started for
 * one job does not load the others' libraries.
 */
export const SERVICES: Services = {
  train: async (args, ctx) => (await import('./train.ts')).train(args, ctx),
};
