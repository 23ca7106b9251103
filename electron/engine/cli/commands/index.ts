import type { Command } from '../command.ts';
import { infoCommand, initCommand } from './project.ts';
import { serveCommand } from './serve.ts';
import { weightsCommand } from './weights.ts';
import { importCommand } from './import.ts';
import { demoCommand } from './demo.ts';
import { splitCommand } from './split.ts';
import { labelCommand } from './label.ts';
import { doctorCommand } from './doctor.ts';
import { forwardCommand } from './forward.ts';
import { lrFindCommand, trainCommand } from './train.ts';
import { evalCommand } from './eval.ts';
import { predictCommand } from './predict.ts';
import { exportCommand } from './export.ts';
import { jobCommand } from './job.ts';

/** Every subcommand of `labeltune`, in the order `labeltune --help` lists them. */
export const COMMANDS: Command[] = [initCommand, infoCommand, serveCommand, weightsCommand, importCommand, demoCommand, splitCommand, labelCommand, doctorCommand, forwardCommand, trainCommand, lrFindCommand, evalCommand, exportCommand, predictCommand, jobCommand];
