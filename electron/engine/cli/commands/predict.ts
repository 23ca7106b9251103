import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { validation } from '../../../../shared/contract/errors.ts';
import { filePredictions, predictionsCsv } from '../../evaluation/export-predictions.ts';
import { onHost } from '../../host/host-job.ts';
import type { Command } from '../command.ts';

export const predictCommand: Command = {
  name: 'predict',
  usage: 'predict <export-dir> <paths...> [--csv FILE]',
  summary: 'Predict image files or folders with an ONNX export (model.onnx, run on onnxruntime) or a TF.js export (model.json), with its preprocessing.json; optionally write a CSV.',
  options: { csv: { type: 'string' } },
  minPositionals: 2,
  async run({ positionals, values, json, out, err }) {
    // The export runs in a model host: TensorFlow never loads in the CLI's own process.
    const [dir, ...paths] = positionals;
    const result = await onHost('predictExport', { dir, paths }, { what: 'prediction', onEvent: (e) => err(e.message) });
    const { classes } = result;
    const rows = filePredictions(result);
    if (rows.length === 0) throw validation(`No image files found in ${paths.join(', ')}.`);
    const failed = rows.filter((r) => r.error);
    if (values.csv) writeFileSync(resolve(values.csv as string), predictionsCsv(rows, classes));
    if (!json) {
      for (const r of rows) out(r.error ? `${r.path}  ERROR ${r.error}` : `${r.path}  ${r.predicted}  ${(r.confidence! * 100).toFixed(1)}%`);
      out(`${rows.length - failed.length} of ${rows.length} images predicted on ${result.runtime.runtime}${values.csv ? `; CSV written to ${resolve(values.csv as string)}` : ''}.`);
    }
    if (failed.length === rows.length) throw validation(`None of the ${rows.length} files could be read as an image: ${failed[0].path}: ${failed[0].error}`);
    return { classes, predicted: rows.length - failed.length, failed: failed.length, rows, runtime: result.runtime };
  },
};
