// The same journeys in the Electron shell (project `electron`), where an Electron binary exists
// (support/electron.ts). Elsewhere this file declares one test, skipped, whose title and
// annotation say why: it is reported as skipped, never as passed.
import { test as base } from '@playwright/test';
import { electronAvailability } from './support/electron.js';
import { electronTest as test } from './support/fixtures.js';
import { badBootstrapJourney, failoverJourney } from './support/journeys.js';

const electron = electronAvailability();

if (electron.ok) {
  test.describe('console journeys (Electron)', () => {
    test('(a) embedded cluster, bank-ledger ×3 exactly-once under load, kill one: failover, no loss, no duplicates', async ({ app }) => {
      test.setTimeout(240_000);
      await failoverJourney(app);
    });

    test('(b) a bootstrap address nothing listens on: a clear error within seconds', async ({ app }) => {
      await badBootstrapJourney(app);
    });
  });
} else {
  // The web project runs the same journeys in Chromium.
  const why = `Electron cannot run here: ${electron.reason}`;
  base(`Electron journeys — skipped. ${why}`, () => {
    base.skip(true, why);
  });
}
