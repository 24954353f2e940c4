// The console's journeys in the web shell (project `web`: a Chromium found by support/browser.ts).
// The steps live in support/journeys.ts and run in Electron too (electron.spec.ts).
import { test } from './support/fixtures.js';
import { badBootstrapJourney, failoverJourney } from './support/journeys.js';

test.describe('console journeys (web shell)', () => {
  test('(a) embedded cluster, bank-ledger ×3 exactly-once under load, kill one: failover, no loss, no duplicates', async ({ app }) => {
    test.setTimeout(240_000);
    await failoverJourney(app);
  });

  test('(b) a bootstrap address nothing listens on: a clear error within seconds', async ({ app }) => {
    await badBootstrapJourney(app);
  });
});
