import { defineConfig } from '@playwright/test';
import { BASE_ARGS } from './chromium.ts';

/**
 * End-to-end tests of browser mode: the real renderer (renderer/dist, built by `npm run test:e2e`)
 * in Debian's Chromium against `labeltune serve`. Playwright's launch() gives every run a fresh,
 * temporary user data dir, so no profile state leaks between runs.
 */
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  // Two shared CPU cores: one worker keeps timings stable.
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  outputDir: '../../test-results/e2e',
  use: {
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    colorScheme: 'dark',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: BASE_ARGS,
    },
    trace: 'off',
    screenshot: 'only-on-failure',
  },
});
