import type { DoctorReport } from '../../../../shared/contract/system.ts';
import type { Command } from '../command.ts';

export const doctorCommand: Command = {
  name: 'doctor',
  usage: 'doctor [--json]',
  summary: 'Check which training backend this machine can use (CUDA, WebGPU, native CPU, wasm, JS) and why the faster ones cannot.',
  maxPositionals: 0,
  async run({ client, json, out, err }) {
    const report = await client.invoke('system.doctor', {});
    // With --json the warnings also go to stderr, so they are seen while stdout is piped.
    if (json) for (const w of report.warnings) err(w);
    else out(formatDoctor(report));
    return report;
  },
};

export function formatDoctor(r: DoctorReport): string {
  const v = r.versions;
  const width = Math.max(...r.rungs.map((s) => s.rung.length));
  const rungLines = r.rungs.map((s) => {
    const mark = s.rung === r.chosen ? '->' : '  ';
    return `  ${mark} ${s.rung.padEnd(width)}  ${s.ok ? 'ok         ' : 'unavailable'}  ${s.reason}`;
  });
  return [
    ...r.warnings,
    ...(r.warnings.length ? [''] : []),
    `Training backend  ${r.chosen ?? 'none (see the warning above)'}${r.override ? `  (LABELTUNE_BACKEND=${r.override})` : ''}`,
    ...rungLines,
    `Versions          node ${v.node}, tfjs ${v.tfjs}, tfjs-backend-wasm ${v.tfjsBackendWasm}, ` +
      `tfjs-node ${v.tfjsNode ?? 'not installed'}, tfjs-node-gpu ${v.tfjsNodeGpu ?? 'not installed'}, ` +
      `webgpu (Dawn) ${v.webgpu ?? 'not installed'}, tfjs-backend-webgpu ${v.tfjsBackendWebgpu ?? 'not installed'}`,
    `wasm              SIMD ${r.wasm.simd ? 'yes' : 'no'}, threads ${r.wasm.threads ? 'yes' : 'no'} (${r.wasm.binary})`,
    `CPU               ${r.cpu.count} x ${r.cpu.model}`,
    ...(r.inference ? [`Inference         ${r.inference.runtime} (${r.inference.detail})`] : []),
  ].join('\n');
}
