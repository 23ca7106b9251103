import { expect, test } from '@playwright/test';
import { CONTENT_SECURITY_POLICY } from '../../electron/engine/server/csp.ts';
import { BASE_ARGS } from './chromium.ts';
import { serve, type Served } from './serve.ts';

let served: Served;

// A document answered through page.route counts as a public page for Chromium's Local Network Access
// checks, which would then block its WebSocket to 127.0.0.1; that is an artefact of the interception.
test.use({
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [...BASE_ARGS, '--disable-features=LocalNetworkAccessChecks'],
  },
});

test.beforeAll(async () => {
  served = await serve('CSP check');
});
test.afterAll(() => served.stop());

// Electron cannot run here; this proves the built renderer works under the exact policy the
// desktop shell sends (no inline scripts or styles, no eval, only same-origin connections).
test('the built renderer runs under the desktop CSP without a single violation', async ({ page }) => {
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  await page.route('**/*', async (route) => {
    if (route.request().resourceType() !== 'document') return route.continue();
    const response = await route.fetch();
    await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': CONTENT_SECURITY_POLICY } });
  });
  await page.goto(served.url);
  await expect(page.getByTestId('project-name')).toHaveText('CSP check');
  // Styles applied from the bundled stylesheet (the dark background), not blocked.
  const background = await page.evaluate(() => getComputedStyle(document.body.parentElement!).backgroundColor);
  expect(background).toBe('rgb(14, 15, 16)');
  expect(violations).toEqual([]);
});

test('a page opened without the token explains how to reach the engine', async ({ page }) => {
  await page.goto(served.url.replace(/\?token=.*/, ''));
  await expect(page.getByTestId('connection-banner')).toContainText('Open the exact address that labeltune serve printed');
});
