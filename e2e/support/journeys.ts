// The journeys, written once against a console page (the web shell in Chromium, or the Electron
// window): e2e/journeys.spec.ts runs them in the `web` project, e2e/electron.spec.ts in the
// `electron` project. Every step asserts what the operator sees on screen, through the
// renderer's data-testids (renderer/README.md, "Test ids").
import { createServer } from 'node:net';
import { expect, test } from '@playwright/test';
import { boardOf, count, describeBoard, go, parseCount, readBoard, selectGroup, shot, useEmbeddedCluster } from './console-steps.js';
import type { ConsoleApp } from './fixtures.js';

const APP_ID = 'bank-ledger';
const INSTANCES = ['bank-ledger-1', 'bank-ledger-2', 'bank-ledger-3'];
const KILLED = 'bank-ledger-3';
const SURVIVORS = INSTANCES.filter((id) => id !== KILLED);
/** Instances run with the streams default session timeout (10 s; the Start form has no field
 * for it): a killed member is noticed after that, then the group rebalances. */
const FAILOVER_MS = 10_000 + 50_000;

/**
 * (a) embedded cluster → bank-ledger ×3 exactly-once under load → the board shows 3 members
 * owning every partition → kill one → the rebalance appears and its partitions go to the other
 * two → 0 missing, 0 duplicated → lag rose and fell. A screenshot of each view on the way.
 */
export async function failoverJourney(app: ConsoleApp): Promise<void> {
  const { page } = app;
  let partitions = 0;
  let peakLag = 0;

  await test.step('open the console and use the embedded cluster', async () => {
    await expect(page.getByTestId('view-connect')).toBeVisible({ timeout: 30_000 });
    await useEmbeddedCluster(app);
    await shot(app, 'connect');
  });

  await test.step('start bank-ledger ×3, exactly once', async () => {
    await go(page, 'instances');
    await page.getByTestId('start-app').selectOption(APP_ID);
    await page.getByTestId('start-guarantee').selectOption('exactly_once_v2');
    await page.getByTestId('start-count').fill('3');
    await page.getByTestId('start-submit').click();
    await expect(page.getByTestId('start-result')).toHaveText(`Started ${INSTANCES.join(', ')}.`, { timeout: 60_000 });
    await expect(page.getByTestId('start-error')).toHaveCount(0);
  });

  await test.step('start the load generator on bank-ledger', async () => {
    await page.getByTestId('load-app').selectOption(APP_ID);
    await page.getByTestId('load-rate').fill('200');
    await page.getByTestId('load-start').click();
    await expect(page.getByTestId('load-state')).toHaveText(/running/i, { timeout: 30_000 });
    await expect(page.getByTestId('load-error')).toHaveCount(0);
    // Records acknowledged by the cluster: "… N acknowledged …".
    await expect(page.getByTestId('load-stats')).toContainText(/[1-9][\d,]* acknowledged/, { timeout: 30_000 });
  });

  await test.step('three instances running, streams RUNNING', async () => {
    for (const id of INSTANCES) {
      await expect(page.getByTestId(`instance-card-${id}`)).toHaveAttribute('data-state', 'running', { timeout: 60_000 });
      await expect(page.getByTestId(`instance-streams-state-${id}`)).toHaveText(/RUNNING/, { timeout: 60_000 });
    }
    await shot(app, 'instances');
  });

  await test.step('the Group board: 3 members own every partition', async () => {
    await go(page, 'group');
    await selectGroup(page, APP_ID);
    await expect(page.getByTestId('assignment-board')).toBeVisible();
    // Every partition the group consumes (the input topic's 6 and the repartition topic's),
    // each owned by one of the three instances, and no fourth column.
    await expect
      .poll(async () => {
        const board = await readBoard(page);
        partitions = Object.keys(board.cells).length;
        return partitions >= 6 && describeBoard(board) === boardOf(INSTANCES, partitions) ? 'settled' : describeBoard(board);
      }, { timeout: 90_000, message: 'the board settles on 3 members owning every partition' })
      .toBe('settled');
    await expect(page.getByTestId('group-state')).toHaveText(/Stable/);
    await expect(page.getByTestId('member-table').locator('tbody tr')).toHaveCount(3);
    await shot(app, 'group');
  });

  await test.step('the Overview: 3 instances, records flowing, the ledger holding', async () => {
    await go(page, 'overview');
    await expect(page.getByTestId('overview-instances')).toHaveText('3');
    await expect.poll(async () => count(page.getByTestId('overview-in-rate')), { timeout: 30_000 }).toBeGreaterThan(0);
    await expect(page.getByTestId('ledger-app')).toContainText(APP_ID, { timeout: 30_000 });
    await expect(page.getByTestId('ledger-missing')).toHaveText('0');
    await expect(page.getByTestId('ledger-duplicated')).toHaveText('0');
    await shot(app, 'overview');
  });

  await test.step(`kill ${KILLED}`, async () => {
    await go(page, 'instances');
    await page.getByTestId(`instance-kill-${KILLED}`).click();
    await expect(page.getByTestId(`instance-card-${KILLED}`)).toHaveAttribute('data-state', 'killed', { timeout: 30_000 });
    await expect(page.getByTestId(`instance-action-error-${KILLED}`)).toHaveCount(0);
    for (const id of SURVIVORS) await expect(page.getByTestId(`instance-card-${id}`)).toHaveAttribute('data-state', 'running');
  });

  await test.step('the Lag view: lag builds up on the dead member’s partitions', async () => {
    await go(page, 'lag');
    await selectGroup(page, APP_ID);
    await expect
      .poll(
        async () => {
          peakLag = Math.max(peakLag, (await count(page.getByTestId('lag-total'))) ?? 0);
          return peakLag;
        },
        { timeout: 30_000, intervals: [250], message: 'total lag rises above 0' },
      )
      .toBeGreaterThan(0);
    // A few more samples while the killed member's partitions stay unconsumed.
    for (let i = 0; i < 8; i++) {
      await page.waitForTimeout(500);
      peakLag = Math.max(peakLag, (await count(page.getByTestId('lag-total'))) ?? 0);
    }
    await expect(page.getByTestId('lag-chart')).toBeVisible();
    await expect(page.getByTestId('lag-chart').getByText('No data yet')).toHaveCount(0);
  });

  await test.step('failover: 2 members own every partition', async () => {
    await go(page, 'group');
    await selectGroup(page, APP_ID);
    await expect
      .poll(
        async () => {
          const board = await readBoard(page);
          return describeBoard(board) === boardOf(SURVIVORS, partitions) ? 'failed over' : describeBoard(board);
        },
        { timeout: FAILOVER_MS, message: `${KILLED}'s partitions move to ${SURVIVORS.join(' and ')}` },
      )
      .toBe('failed over');
    await expect(page.getByTestId(`board-member-${KILLED}`)).toHaveCount(0);
    await expect(page.getByTestId('member-table').locator('tbody tr')).toHaveCount(2);
    await shot(app, 'group-after-failover');
  });

  await test.step('the Rebalances timeline shows the rebalance and the partitions that moved', async () => {
    await go(page, 'rebalances');
    const entries = page.locator(`[data-testid="timeline-generation"][data-group="${APP_ID}"]`);
    // The rebalance after the kill: the coordinator removed the member after its session
    // timeout, the dead member's partitions moved.
    const failover = entries.filter({ hasText: `session timeout: ${KILLED} was killed` }).filter({ hasText: /\d+ partitions? moved/ }).last();
    await expect(failover).toBeVisible({ timeout: 30_000 });
    // Members are named by client id, which is the instance id: "left: bank-ledger-3…a4633d".
    await expect(failover).toContainText(`left: ${KILLED}…`);
    await expect(failover).not.toContainText('rebalancing…');
    const summary = failover.getByTestId('rebalance-moved').locator('summary');
    const moved = Number(/(\d+) partitions? moved/.exec((await summary.textContent()) ?? '')?.[1] ?? 0);
    expect(moved, 'partitions moved in the failover rebalance').toBeGreaterThanOrEqual(1);
    expect(moved).toBeLessThanOrEqual(partitions);
    await summary.click();
    const lines = failover.locator('ul.moved li');
    await expect(lines).toHaveCount(moved);
    // "transfers-2: bank-ledger-3…a4633d → bank-ledger-1…ec1535": the dead member's partitions,
    // every one of them now with a survivor. The high-availability assignor may also move a
    // survivor's task to balance (every client is caught up on these small stores): under the
    // cooperative protocol its owner revokes it this round ("→ ∅") and the follow-up assigns it.
    const texts = (await lines.allTextContents()).map((t) => t.trim());
    const toSurvivor = new RegExp(`→ (${SURVIVORS.join('|')})…`);
    const fromKilled = texts.filter((line) => line.includes(`: ${KILLED}…`));
    expect(fromKilled.length, `partitions moved away from ${KILLED}`).toBeGreaterThanOrEqual(1);
    for (const line of fromKilled) expect(line, 'a dead member’s partition goes to a survivor').toMatch(toSurvivor);
    for (const line of texts) expect(line, 'every move is to a survivor or a revocation by a survivor').toMatch(new RegExp(`(→ (${SURVIVORS.join('|')})…)|(: (${SURVIVORS.join('|')})…\\S* → ∅)`));
    await shot(app, 'rebalances');
  });

  await test.step('stop the load; the ledger settles with 0 missing and 0 duplicated', async () => {
    await go(page, 'instances');
    await page.getByTestId('load-stop').click();
    await expect(page.getByTestId('load-state')).toHaveText(/stopped|idle/i, { timeout: 30_000 });
    await go(page, 'overview');
    // Settled: nothing pending, nothing missing or seen twice, money conserved.
    await expect(page.getByTestId('ledger-app')).toContainText(/· 0 pending/, { timeout: 60_000 });
    await expect(page.getByTestId('ledger-missing')).toHaveText('0');
    await expect(page.getByTestId('ledger-duplicated')).toHaveText('0');
    await expect(page.getByTestId('ledger-money')).toHaveText('conserved');
    const inputs = parseCount(/([\d,]+) records in/.exec((await page.getByTestId('ledger-app').textContent()) ?? '')?.[1] ?? null);
    expect(inputs, 'records the verifier saw go in').toBeGreaterThan(0);
    await shot(app, 'overview-after-failover');
  });

  await test.step('the Lag view: lag falls again once the survivors catch up', async () => {
    await go(page, 'lag');
    await selectGroup(page, APP_ID);
    await expect
      .poll(async () => count(page.getByTestId('lag-total')), { timeout: 60_000, message: `total lag falls below its peak of ${peakLag}` })
      .toBeLessThan(peakLag);
    await expect.poll(async () => count(page.getByTestId('lag-total')), { timeout: 60_000, message: 'total lag drains to 0' }).toBe(0);
    await expect(page.getByTestId('lag-chart').getByText('No data yet')).toHaveCount(0);
    await expect(page.locator('[data-testid^="lag-row-"]')).toHaveCount(partitions);
    await shot(app, 'lag');
  });

  await test.step('the Transactions view lists the instances’ transactional ids', async () => {
    await go(page, 'transactions');
    await expect(page.getByTestId('txn-unsupported')).toHaveCount(0);
    await expect(page.locator('[data-testid^="txn-row-"]').first()).toBeVisible({ timeout: 30_000 });
    await expect(page.locator('[data-testid^="txn-hanging-"]')).toHaveCount(0);
    await shot(app, 'transactions');
  });

  await test.step('the Topology view draws bank-ledger', async () => {
    await go(page, 'topology');
    await page.getByTestId('topology-app').selectOption(APP_ID);
    await expect(page.getByTestId('topology-graph')).toBeVisible({ timeout: 30_000 });
    expect(await page.locator('[data-testid^="topology-node-"]').count()).toBeGreaterThanOrEqual(2);
    await expect(page.getByTestId('topology-error')).toHaveCount(0);
    await shot(app, 'topology');
  });

  await test.step('the Events view logs the kill and the rebalance', async () => {
    await go(page, 'events');
    await expect(page.getByTestId('event-row').first()).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('events-invalid')).toHaveText(/^0 invalid$/);
    await page.getByTestId('events-search').fill(KILLED);
    await expect(page.getByTestId('event-row').filter({ hasText: /killed/i }).first()).toBeVisible({ timeout: 15_000 });
    await page.getByTestId('events-search').fill('');
    await shot(app, 'events');
  });
}

/** A port nothing listens on: bind one, note it, close it. */
async function deadPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** (b) a bootstrap address nothing answers on → a clear error within a few seconds, no hang. */
export async function badBootstrapJourney(app: ConsoleApp): Promise<void> {
  const { page } = app;
  const address = `127.0.0.1:${await deadPort()}`;
  // Another one for Connect, so its error cannot be the Test's left on screen.
  let other = address;
  while (other === address) other = `127.0.0.1:${await deadPort()}`;

  await test.step('open the Connect view', async () => {
    await go(page, 'connect');
    await expect(page.getByTestId('bootstrap-input')).toBeVisible();
  });

  await test.step(`Test connection to ${address}: an error, within a few seconds`, async () => {
    await page.getByTestId('bootstrap-input').fill(address);
    const started = Date.now();
    await page.getByTestId('connect-test').click();
    const error = page.getByTestId('connect-error');
    await expect(error).toContainText(address, { timeout: 8_000 });
    expect(Date.now() - started, 'the test failed fast').toBeLessThan(8_000);
    await expect(error).toContainText(/cannot reach|refused|unreachable/i);
    await expect(page.getByTestId('connect-result')).toHaveCount(0);
    await expect(page.getByTestId('connect-test')).toBeEnabled();
  });

  await test.step(`Connect to ${other}: an error, within a few seconds, and nothing connected`, async () => {
    await page.getByTestId('bootstrap-input').fill(other);
    const started = Date.now();
    await page.getByTestId('connect-submit').click();
    const error = page.getByTestId('connect-error');
    await expect(page.getByTestId('connect-done')).toHaveCount(0);
    await expect(error).toContainText(other, { timeout: 8_000 });
    expect(Date.now() - started, 'the connect failed fast').toBeLessThan(8_000);
    await expect(error).toContainText(/cannot reach|refused|unreachable/i);
    // The form is usable again: not stuck in "Connecting…".
    await expect(page.getByTestId('connect-submit')).toBeEnabled({ timeout: 5_000 });
    await expect(page.getByTestId('connect-submit')).toHaveText('Connect');
    await expect(page.getByTestId('connect-progress')).toHaveCount(0);
    if (app.kind === 'web') await expect(page.getByTestId('cluster-summary')).not.toContainText(other);
    await shot(app, 'connect-bad-bootstrap');
  });
}
