import * as tf from '@tensorflow/tfjs';
import { buildResNet, seededTensor, trainingGradients } from '../reference-nets.ts';
import { activateWasm } from '../wasm-backend.ts';

/**
 * Run in a fresh process by wasm-threads.test.ts (a process initialises wasm once, with one thread
 * count): `node --import tsx wasm-threads-probe.ts THREADS [START_TIMEOUT_MS]`. Activates wasm,
 * takes one training step's loss and gradients of a small ResNet and prints them as JSON.
 */
const threads = Number(process.argv[2]);
const timeout = process.argv[3] ? Number(process.argv[3]) : undefined;
const f = await activateWasm({ replaceSlowKernels: true, threads, threadStartTimeoutMs: timeout });
const net = buildResNet({ widths: [8, 16], blocks: [1, 1], stemKernel: 3, numClasses: 3, seed: 5 });
const x = seededTensor(9, [4, 16, 16, 3]) as tf.Tensor4D;
const { loss, grads } = trainingGradients(net, x, [0, 1, 2, 0]);
const names = Object.keys(grads).sort();
const values = names.flatMap((n) => Array.from(grads[n].dataSync()));
process.stdout.write(`${JSON.stringify({ features: f, loss: loss.dataSync()[0], names, values })}\n`);
