import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { selectBackend } from './ladder.ts';

afterEach(() => vi.restoreAllMocks());

/** This file runs in a fresh module graph, so the CPU backend has not been used yet. */
describe("TF.js's node-backend banner", () => {
  it('is not printed when the ladder picks the pure JavaScript backend and a tensor is made', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const cpu = tf.findBackend('cpu') as unknown as { firstUse: boolean };
    // The banner's own switch: still armed before the ladder runs, or this test proves nothing.
    expect(cpu.firstUse).toBe(true);
    const picked = await selectBackend({ prefer: 'cpu', log: () => {} });
    expect(picked.backend).toBe('cpu');
    tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).dataSync());
    expect(warn.mock.calls.flat().join('\n')).not.toContain('install our node');
  });
});
