import type { Services } from './service.ts';

/**
 * Every method the model host serves. Each loads its code when first asked, so a host started for
 * one job does not load the others' libraries.
 */
export const SERVICES: Services = {
  train: async (args, ctx) => (await import('./train.ts')).train(args, ctx),
  predict: async (args, ctx) => (await import('./predict.ts')).predict(args, ctx),
  predictExport: async (args, ctx) => (await import('./predict.ts')).predictExport(args, ctx),
  forward: async (args) => (await import('./predict.ts')).forward(args),
  gradcam: async (args) => (await import('./gradcam.ts')).gradcam(args),
  export: async (args, ctx) => (await import('./export.ts')).exportModel(args, ctx),
  plan: async (args) => {
    const { paceLookup, planRun, resolveConfig } = await import('./plan.ts');
    const config = resolveConfig(args.opts, args.data, args.homeDir);
    return planRun(config, args.data, paceLookup(config, args.paces));
  },
  checkWeights: async ({ path, arch }) => {
    await (await import('../training/weights/check-weights.ts')).checkWeightsFile(path, arch);
    return null;
  },
  jobExport: async (args) => (await import('./scale-out.ts')).jobExport(args),
  jobImport: async (args) => (await import('./scale-out.ts')).jobImport(args),
  doctor: async () => ({ ...(await (await import('../training/backends/doctor.ts')).doctorReport()), inference: await (await import('./ort-session.ts')).inferenceStatus() }),
};
