// End-to-end journeys (e2e/): the console in Chromium over the web shell (`web`) — the browser
// e2e/support/browser.ts finds: STREAMWATCH_BROWSER, else a system Chromium/Chrome, else
// Playwright's own, else the one in the npm package @sparticuz/chromium (global setup prints which,
// and fails naming what to install where none runs) — and the same journeys in the Electron shell
// (`electron`) where an Electron binary exists — where it does not, that project runs one skipped
// test saying why. See e2e/README.md.
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, browserForJourneys } from './e2e/support/browser.js';

// Decided once, by the runner; its workers (which evaluate this file again) inherit the decision.
const browser = browserForJourneys();

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'e2e/artifacts/test-results',
  globalSetup: './e2e/support/global-setup.ts',
  // Two cores: one journey at a time (each runs a broker, three stream instances and a browser).
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env['CI'],
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: [['list'], ['html', { outputFolder: 'e2e/artifacts/report', open: 'never' }]],
  use: {
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    video: 'off',
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    viewport: { width: 1440, height: 900 },
  },
  projects: [
    {
      name: 'web',
      testMatch: 'journeys.spec.ts',
      use: {
        browserName: 'chromium',
        headless: true,
        launchOptions: { args: CHROMIUM_ARGS, ...(browser.ok ? { executablePath: browser.executablePath } : {}) },
      },
    },
    {
      name: 'electron',
      testMatch: 'electron.spec.ts',
    },
  ],
});
