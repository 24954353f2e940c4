// End-to-end journeys (e2e/): the console in Debian's Chromium over the web shell (`web`), and
// the same journeys in the Electron shell (`electron`) where an Electron binary exists — where it
// does not, that project runs one skipped test saying why. See e2e/README.md.
import { defineConfig } from '@playwright/test';

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

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
        launchOptions: { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS },
      },
    },
    {
      name: 'electron',
      testMatch: 'electron.spec.ts',
    },
  ],
});
