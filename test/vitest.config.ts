import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Two projects: the engine in Node, the renderer's components in jsdom with Svelte's browser build. */
export default defineConfig({
  root,
  test: {
    // Vitest's default is one worker fewer than the CPUs: on the 2-core CI machine, one file at a
    // time. Two keep both cores busy while a file waits on a child process (model host, Python).
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: { LABELTUNE_QUIET: '1' },
    projects: [
      {
        test: {
          name: 'engine',
          root,
          include: ['shared/**/*.test.ts', 'electron/**/*.test.ts', 'test/contract/**/*.test.ts', 'test/reliability/**/*.test.ts', 'test/bench/**/*.test.ts'],
          environment: 'node',
          pool: 'forks',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          env: { LABELTUNE_QUIET: '1' },
        },
      },
      {
        // Renderer state driving a real engine in one Node process (no DOM): what one user action
        // costs end to end. The *.svelte.ts states compile for Svelte's server runtime here, where
        // $state fields are plain fields and $derived ones are read afresh: enough for counting calls.
        plugins: [svelte()],
        test: {
          name: 'cross',
          root,
          include: ['test/cross/**/*.test.ts'],
          environment: 'node',
          pool: 'forks',
          env: { LABELTUNE_QUIET: '1' },
        },
      },
      {
        plugins: [svelte()],
        resolve: { conditions: ['browser'] },
        test: {
          name: 'renderer',
          root,
          include: ['renderer/**/*.test.ts'],
          environment: 'jsdom',
        },
      },
    ],
  },
});
