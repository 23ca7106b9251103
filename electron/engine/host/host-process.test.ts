import { describe, expect, it } from 'vitest';
import { OUT_OF_MEMORY, describeExit, outOfMemoryMessage } from './host-process.ts';

describe('how a dead model host is described', () => {
  const training = outOfMemoryMessage(16, 224);

  it('turns an allocator abort into what to lower, never the allocator text', () => {
    // What tfjs-backend-wasm printed when a ViT at 224 px, batch 16, exhausted its 4 GiB heap.
    const exit = { code: 1, signal: null, stderrTail: 'RuntimeError: Aborted(). Build with -sASSERTIONS for more info.\n    at abort (tfjs-backend-wasm.js:9:1)' };
    const text = describeExit(exit, 'training', training);
    expect(text).toBe('Out of memory at batch 16, image size 224: lower them (--batch-size, --image-size), or pick a smaller backbone or the top or linear strategy.');
    expect(text).not.toMatch(/ASSERTIONS/);
    expect(describeExit(exit, 'evaluation')).toBe('The evaluation process ran out of memory. Close other jobs or programs and try again, or use a smaller image size.');
    for (const tail of ['FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory', 'RangeError: Array buffer allocation failed', 'OOM when allocating tensor with shape[16,64,112,112]']) {
      expect(OUT_OF_MEMORY.test(tail), tail).toBe(true);
    }
  });

  it('names the job, the signal or exit code and the last error line otherwise', () => {
    expect(describeExit({ code: null, signal: 'SIGKILL', stderrTail: '' }, 'training', training)).toBe('The training process was killed (SIGKILL) before finishing.');
    expect(describeExit({ code: 70, signal: null, stderrTail: 'loading\nTypeError: x is undefined\n' }, 'export')).toBe('The export process exited with code 70 before finishing: TypeError: x is undefined.');
  });
});
