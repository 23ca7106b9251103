import { describe, expect, it } from 'vitest';
import { OUT_OF_MEMORY, describeExit } from './trainer-process.ts';

describe('how a dead trainer is described', () => {
  const run = { batchSize: 16, imageSize: 224 };

  it('turns an allocator abort into what to lower, never the allocator text', () => {
    // What tfjs-backend-wasm printed when a ViT at 224 px, batch 16, exhausted its 4 GiB heap.
    const exit = { code: 1, signal: null, stderrTail: 'RuntimeError: Aborted(). Build with -sASSERTIONS for more info.\n    at abort (tfjs-backend-wasm.js:9:1)' };
    const text = describeExit(exit, run);
    expect(text).toBe('Out of memory at batch 16, image size 224: lower them (--batch-size, --image-size), or pick a smaller backbone or the top or linear strategy.');
    expect(text).not.toMatch(/ASSERTIONS/);
    for (const tail of ['FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory', 'RangeError: Array buffer allocation failed', 'OOM when allocating tensor with shape[16,64,112,112]']) {
      expect(OUT_OF_MEMORY.test(tail), tail).toBe(true);
    }
  });

  it('names the signal or exit code and the last error line otherwise', () => {
    expect(describeExit({ code: null, signal: 'SIGKILL', stderrTail: '' }, run)).toBe('The training process was killed (SIGKILL) before finishing.');
    expect(describeExit({ code: 70, signal: null, stderrTail: 'loading\nTypeError: x is undefined\n' }, run)).toBe('The training process exited with code 70 before finishing: TypeError: x is undefined.');
  });
});
