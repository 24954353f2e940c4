// The same journeys in the Electron shell (project `electron`), where an Electron binary exists
// (support/electron.ts). Elsewhere this file declares one test, skipped, whose title and
// annotation say why: it is reported as skipped, never as passed.
import { test as base } from '@playwright/test';
import { electronAvailability } from './support/electron.js';
import { electronTest as test } from './support/fixtures.js';
import { badBootstrapJourney, failoverJourney } from './support/journeys.js';
import { eagerVsCooperativeJourney, staticMemberJourney, standbyFailoverJourney } from './support/streams-journeys.js';

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

    test('(c) standby failover with an interactive query', async ({ app }) => {
      test.setTimeout(300_000);
      await standbyFailoverJourney(app);
    });

    test('(d) static member restart and Remove member', async ({ app }) => {
      test.setTimeout(300_000);
      await staticMemberJourney(app);
    });

    test('(e) eager vs cooperative', async ({ app }) => {
      test.setTimeout(300_000);
      await eagerVsCooperativeJourney(app);
    });
  });
} else {
  // The web project runs the same journeys in Chromium.
  const why = `Electron cannot run here: ${electron.reason}`;
  base(`Electron journeys — skipped. ${why}`, () => {
    base.skip(true, why);
  });
}
