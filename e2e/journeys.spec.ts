// The console's journeys in the web shell (project `web`: a Chromium found by support/browser.ts).
// The steps live in support/journeys.ts and run in Electron too (electron.spec.ts).
import { test } from './support/fixtures.js';
import { badBootstrapJourney, failoverJourney } from './support/journeys.js';
import { eagerVsCooperativeJourney, staticMemberJourney, standbyFailoverJourney } from './support/streams-journeys.js';

test.describe('console journeys (web shell)', () => {
  test('(a) embedded cluster, bank-ledger ×3 exactly-once under load, kill one: failover, no loss, no duplicates', async ({ app }) => {
    test.setTimeout(240_000);
    await failoverJourney(app);
  });

  test('(c) bank-ledger ×3 exactly-once with a standby under load, kill the owner of a queried account: Tasks, Failover timeline, same balance from the new owner', async ({ app }) => {
    test.setTimeout(300_000);
    await standbyFailoverJourney(app);
  });

  test('(d) a static member restarted within the session timeout: no rebalance, same tasks; Remove member on a frozen one: the group heals at once', async ({ app }) => {
    test.setTimeout(300_000);
    await staticMemberJourney(app);
  });

  test('(e) eager vs cooperative: a fourth instance joins each; the pause of staying tasks, near zero for cooperative', async ({ app }) => {
    test.setTimeout(300_000);
    await eagerVsCooperativeJourney(app);
  });

  test('(b) a bootstrap address nothing listens on: a clear error within seconds', async ({ app }) => {
    await badBootstrapJourney(app);
  });
});
