// Journeys (c)–(e): Kafka Streams as it runs — tasks and standbys, failover phases and an
// interactive query; a static member's restart and Remove member; eager against cooperative.
// Every step asserts what the operator sees, through the renderer's data-testids.
import { expect, test, type Page } from '@playwright/test';
import { go, shot, useEmbeddedCluster } from './console-steps.js';
import type { ConsoleApp } from './fixtures.js';

interface StartOptions {
  app: 'bank-ledger' | 'word-count' | 'passthrough';
  count: number;
  applicationId?: string;
  guarantee?: 'exactly_once_v2' | 'at_least_once';
  protocol?: 'cooperative' | 'eager';
  standbys?: number;
  preset?: 'kafka' | 'demo';
}

/** Instances view → the Start form; returns the ids the console started. */
async function startInstances(page: Page, o: StartOptions): Promise<string[]> {
  await go(page, 'instances');
  await page.getByTestId('start-app').selectOption(o.app);
  if (o.preset) await page.getByTestId(`start-preset-${o.preset}`).click();
  await page.getByTestId('start-guarantee').selectOption(o.guarantee ?? 'exactly_once_v2');
  if (o.protocol) await page.getByTestId('start-protocol').selectOption(o.protocol);
  if (o.standbys !== undefined) await page.getByTestId('start-standbys').fill(String(o.standbys));
  await page.getByTestId('start-count').fill(String(o.count));
  await page.getByTestId('start-application-id').fill(o.applicationId ?? '');
  const result = page.getByTestId('start-result');
  const before = (await result.count()) ? await result.textContent() : null;
  await page.getByTestId('start-submit').click();
  await expect(page.getByTestId('start-error')).toHaveCount(0);
  await expect.poll(async () => ((await result.count()) ? await result.textContent() : null), { timeout: 60_000 }).not.toBe(before);
  const ids = /^Started (.+)\.$/.exec(((await result.textContent()) ?? '').trim())?.[1]?.split(', ') ?? [];
  expect(ids, 'the ids the console started').toHaveLength(o.count);
  return ids;
}

async function startLoad(page: Page, app: string, rate: number): Promise<void> {
  await go(page, 'instances');
  await page.getByTestId('load-app').selectOption(app);
  await page.getByTestId('load-rate').fill(String(rate));
  await page.getByTestId('load-start').click();
  await expect(page.getByTestId('load-state')).toHaveText(/running/i, { timeout: 30_000 });
  await expect(page.getByTestId('load-stats')).toContainText(/[1-9][\d,]* acknowledged/, { timeout: 30_000 });
}

async function waitRunning(page: Page, ids: string[]): Promise<void> {
  await go(page, 'instances');
  for (const id of ids) {
    await expect(page.getByTestId(`instance-card-${id}`)).toHaveAttribute('data-state', 'running', { timeout: 60_000 });
    await expect(page.getByTestId(`instance-streams-state-${id}`)).toHaveText(/RUNNING/, { timeout: 90_000 });
  }
}

interface TaskCellReading {
  task: string;
  column: string;
  role: string;
  phase: string;
}

/** Every copy of every task the Tasks view shows for the selected application. */
async function readTasks(page: Page): Promise<TaskCellReading[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('[data-testid^="task-row-"]')].flatMap((row) => {
      const task = row.getAttribute('data-testid')!.slice('task-row-'.length);
      return [...row.querySelectorAll('[data-testid^="task-cell-"]')].map((cell) => ({
        task,
        column: cell.getAttribute('data-testid')!.slice(`task-cell-${task}-`.length),
        role: cell.getAttribute('data-role') ?? '',
        phase: cell.getAttribute('data-phase') ?? '',
      }));
    }),
  );
}

/**
 * Tasks view on one application; polls until every task has one running active copy among
 * `owners` (with `everyOwner`, each of them running at least one, the same for 3 s: the group
 * has settled, not just passed through a state where one member held everything).
 */
async function tasksSettled(page: Page, applicationId: string, owners: string[], opts: { standbys?: boolean; everyOwner?: boolean } = {}): Promise<TaskCellReading[]> {
  await go(page, 'tasks');
  const select = page.getByTestId('tasks-app');
  await expect(select.locator(`option[value="${applicationId}"]`)).toHaveCount(1, { timeout: 30_000 });
  await select.selectOption(applicationId);
  let cells: TaskCellReading[] = [];
  let last = { reading: '', since: 0 };
  await expect
    .poll(
      async () => {
        cells = await readTasks(page);
        const tasks = [...new Set(cells.map((c) => c.task))];
        const actives = cells.filter((c) => c.role === 'active');
        const problems: string[] = [];
        if (tasks.length === 0) problems.push('no tasks');
        for (const t of tasks) {
          const a = actives.filter((c) => c.task === t);
          if (a.length !== 1 || a[0]!.phase !== 'running' || !owners.includes(a[0]!.column)) problems.push(`${t}: ${a.map((c) => `${c.column}/${c.phase}`).join(',') || 'no active'}`);
          if (opts.standbys && !cells.some((c) => c.task === t && c.role !== 'active')) problems.push(`${t}: no standby`);
        }
        if (opts.everyOwner) for (const o of owners) if (!actives.some((c) => c.column === o)) problems.push(`${o}: no active task`);
        const reading = JSON.stringify(actives.map((c) => `${c.task}@${c.column}/${c.phase}`).sort());
        if (problems.length > 0 || reading !== last.reading) last = { reading, since: Date.now() };
        if (problems.length === 0 && opts.everyOwner && Date.now() - last.since < 3_000) problems.push('settling');
        return problems.length === 0 ? 'settled' : problems.join('; ');
      },
      { timeout: 120_000, intervals: [500], message: `every task of ${applicationId} runs on one of ${owners.join(', ')}${opts.standbys ? ', each with a standby' : ''}` },
    )
    .toBe('settled');
  return cells;
}

interface QueryAnswer {
  text: string;
  instance: string | null;
  value: string | null;
}

/** The Queries view: "query key" on an application's store. */
async function queryKey(page: Page, applicationId: string, store: string, key: string): Promise<QueryAnswer> {
  await go(page, 'queries');
  await page.getByTestId('query-app').selectOption(applicationId);
  await page.getByTestId('query-store').selectOption(store);
  await page.getByTestId('query-key').fill(key);
  await page.getByTestId('query-submit').click();
  const result = page.getByTestId('query-result');
  await expect(result).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('query-error')).toHaveCount(0);
  return {
    text: ((await result.textContent()) ?? '').trim(),
    instance: await result.getAttribute('data-instance'),
    value: await result.getAttribute('data-value'),
  };
}

/**
 * (c) bank-ledger ×3, exactly_once_v2, one standby, under load → the Tasks view shows actives
 * and standbys → query an account's balance → kill the instance that serves it → the Failover
 * timeline shows detection, rebalance, restore from the standby and the first commit → the same
 * balance, served by the new owner → 0 missing, 0 duplicated.
 */
export async function standbyFailoverJourney(app: ConsoleApp): Promise<void> {
  const { page } = app;
  const APP_ID = 'bank-ledger';
  const ACCOUNT = 'acct-007';
  let ids: string[] = [];
  let before: QueryAnswer | null = null;

  await test.step('bank-ledger ×3, exactly once, one standby, under load', async () => {
    await expect(page.getByTestId('view-connect')).toBeVisible({ timeout: 30_000 });
    await useEmbeddedCluster(app);
    ids = await startInstances(page, { app: 'bank-ledger', count: 3, guarantee: 'exactly_once_v2', standbys: 1 });
    await startLoad(page, APP_ID, 200);
    await waitRunning(page, ids);
  });

  await test.step('the Tasks view: every task has an active owner and a standby elsewhere', async () => {
    const cells = await tasksSettled(page, APP_ID, ids, { standbys: true, everyOwner: true });
    for (const c of cells.filter((x) => x.role !== 'active')) {
      const owner = cells.find((x) => x.task === c.task && x.role === 'active')!.column;
      expect(c.column, `${c.task}'s standby is not on its active owner`).not.toBe(owner);
    }
    await expect(page.getByTestId('tasks-standbys')).not.toHaveText('0');
    await shot(app, 'tasks');
  });

  await test.step(`pause the load and query ${ACCOUNT}'s balance`, async () => {
    await go(page, 'instances');
    await page.getByTestId('load-pause').click();
    await expect(page.getByTestId('load-state')).toHaveText(/paused/i, { timeout: 30_000 });
    await go(page, 'overview');
    await expect(page.getByTestId('ledger-app')).toContainText(/· 0 pending/, { timeout: 60_000 });
    before = await queryKey(page, APP_ID, 'balances', ACCOUNT);
    expect(before.instance, 'the instance that served the query').not.toBeNull();
    expect(ids).toContain(before.instance);
    expect(before.text).toMatch(/active/);
    await shot(app, 'query-before');
  });

  const killed = (): string => before!.instance!;

  await test.step('kill the instance that owns the account’s task', async () => {
    await go(page, 'instances');
    await page.getByTestId(`instance-kill-${killed()}`).click();
    await expect(page.getByTestId(`instance-card-${killed()}`)).toHaveAttribute('data-state', 'killed', { timeout: 30_000 });
  });

  await test.step('the same balance, served by the new owner', async () => {
    const survivors = ids.filter((id) => id !== killed());
    await tasksSettled(page, APP_ID, survivors);
    const after = await queryKey(page, APP_ID, 'balances', ACCOUNT);
    expect(after.instance).not.toBe(killed());
    expect(survivors).toContain(after.instance);
    expect(after.value, `${ACCOUNT}'s balance after the failover`).toBe(before!.value);
    await shot(app, 'query-after');
  });

  await test.step('resume the load: the Failover timeline shows every phase, the restore from the standby', async () => {
    await go(page, 'instances');
    await page.getByTestId('load-resume').click();
    await expect(page.getByTestId('load-state')).toHaveText(/running/i, { timeout: 30_000 });
    await go(page, 'failover');
    const rows = page.locator(`[data-testid^="failover-task-"]`);
    await expect(rows.first()).toBeVisible({ timeout: 30_000 });
    await expect.poll(async () => rows.evaluateAll((els) => els.every((e) => e.getAttribute('data-done') === 'true')), { timeout: 90_000, message: 'every task of the killed instance committed again' }).toBe(true);
    const sources = await page.getByTestId('failover-restore').evaluateAll((els) => els.map((e) => e.getAttribute('data-source')));
    expect(sources, 'the killed instance’s tasks restored from their standby copies').toContain('standby');
    for (const phase of ['failover-detection', 'failover-rebalance', 'failover-restore', 'failover-commit', 'failover-total']) {
      for (const text of await page.getByTestId(phase).allTextContents()) expect(text.trim(), phase).not.toMatch(/^—/);
    }
    // Detection is the session timeout (10 s, the demo timings) after a kill.
    const detection = await page.getByTestId('failover-detection').first().textContent();
    expect(detection).toMatch(/\d+(\.\d+)? s/);
    await shot(app, 'failover');
  });

  await test.step('stop the load; the ledger settles with 0 missing and 0 duplicated', async () => {
    await go(page, 'instances');
    await page.getByTestId('load-stop').click();
    await go(page, 'overview');
    await expect(page.getByTestId('ledger-app')).toContainText(/· 0 pending/, { timeout: 60_000 });
    await expect(page.getByTestId('ledger-missing')).toHaveText('0');
    await expect(page.getByTestId('ledger-duplicated')).toHaveText('0');
    await expect(page.getByTestId('ledger-money')).toHaveText('conserved');
  });
}

/**
 * (d) a static member restarted within the session timeout → no rebalance, the same tasks come
 * back; Remove member on a frozen instance → the group rebalances at once, long before its
 * session timeout (Kafka's 45 s here).
 */
export async function staticMemberJourney(app: ConsoleApp): Promise<void> {
  const { page } = app;
  const APP_ID = 'ledger-static';
  let ids: string[] = [];
  let tasksBefore: string[] = [];

  await test.step('bank-ledger ×3 with Kafka’s default timings (session timeout 45 s)', async () => {
    await expect(page.getByTestId('view-connect')).toBeVisible({ timeout: 30_000 });
    await useEmbeddedCluster(app);
    ids = await startInstances(page, { app: 'bank-ledger', count: 3, applicationId: APP_ID, guarantee: 'at_least_once', preset: 'kafka' });
    await startLoad(page, 'bank-ledger', 50);
    await waitRunning(page, ids);
    await tasksSettled(page, APP_ID, ids, { everyOwner: true });
  });

  const restarted = (): string => ids[0]!;
  const generations = async (): Promise<string[]> => {
    await go(page, 'rebalances');
    await page.getByTestId('rebalances-all').check();
    return page.locator(`[data-testid="timeline-generation"][data-group="${APP_ID}"]`).evaluateAll((els) => els.map((e) => e.getAttribute('data-generation') ?? ''));
  };

  await test.step('stop one instance remaining in the group, restart it: no rebalance, the same tasks', async () => {
    const cells = await tasksSettled(page, APP_ID, ids, { everyOwner: true });
    tasksBefore = cells.filter((c) => c.column === restarted() && c.role === 'active').map((c) => c.task).sort();
    expect(tasksBefore.length).toBeGreaterThan(0);
    const generationsBefore = await generations();
    await go(page, 'instances');
    await page.getByTestId(`instance-stop-${restarted()}`).click();
    await page.getByTestId(`instance-stop-remain-${restarted()}`).click();
    await expect(page.getByTestId(`instance-card-${restarted()}`)).toHaveAttribute('data-state', 'stopped', { timeout: 30_000 });
    await page.getByTestId(`instance-restart-${restarted()}`).click();
    await waitRunning(page, [restarted()]);
    const cells2 = await tasksSettled(page, APP_ID, ids, { everyOwner: true });
    expect(cells2.filter((c) => c.column === restarted() && c.role === 'active').map((c) => c.task).sort(), 'the same tasks came back').toEqual(tasksBefore);
    await go(page, 'rebalances');
    await expect(page.getByTestId('static-rejoin').filter({ hasText: restarted() })).toBeVisible({ timeout: 30_000 });
    expect(await generations(), 'no new generation').toEqual(generationsBefore);
    await shot(app, 'static-rejoin');
  });

  const frozen = (): string => ids[1]!;

  await test.step('freeze another instance and Remove member: the group rebalances at once', async () => {
    const generationsBefore = await generations();
    await go(page, 'instances');
    await page.getByTestId(`instance-freeze-seconds-${frozen()}`).fill('120');
    await page.getByTestId(`instance-freeze-${frozen()}`).click();
    await expect(page.getByTestId(`instance-card-${frozen()}`)).toHaveAttribute('data-state', 'frozen', { timeout: 30_000 });
    const removedAt = Date.now();
    await page.getByTestId(`remove-member-${frozen()}`).click();
    await expect(page.getByTestId(`remove-member-error-${frozen()}`)).toHaveCount(0);
    // The survivors own every task well before the 45 s session timeout would have removed it.
    await tasksSettled(page, APP_ID, ids.filter((id) => id !== frozen()));
    expect(Date.now() - removedAt, 'healed before the session timeout').toBeLessThan(40_000);
    expect((await generations()).length).toBeGreaterThan(generationsBefore.length);
    await shot(app, 'remove-member');
  });

  await test.step('stop the load', async () => {
    await go(page, 'instances');
    await page.getByTestId('load-stop').click();
  });
}

/**
 * (e) eager against cooperative: word-count ×3 twice, one application id each protocol, under
 * load; a fourth instance joins each → the Rebalances view compares the processing pause of the
 * tasks that stayed: near zero for cooperative, the whole rebalance for eager.
 */
export async function eagerVsCooperativeJourney(app: ConsoleApp): Promise<void> {
  const { page } = app;
  const groups = { eager: 'wc-eager', cooperative: 'wc-coop' } as const;
  const ids: Record<string, string[]> = {};

  await test.step('word-count ×3 eager and ×3 cooperative, under load', async () => {
    await expect(page.getByTestId('view-connect')).toBeVisible({ timeout: 30_000 });
    await useEmbeddedCluster(app);
    for (const protocol of ['eager', 'cooperative'] as const) {
      ids[protocol] = await startInstances(page, { app: 'word-count', count: 3, applicationId: groups[protocol], guarantee: 'at_least_once', protocol });
    }
    await startLoad(page, 'word-count', 150);
    await waitRunning(page, [...ids['eager']!, ...ids['cooperative']!]);
    for (const protocol of ['eager', 'cooperative'] as const) await tasksSettled(page, groups[protocol], ids[protocol]!);
  });

  await test.step('a fourth instance joins each application', async () => {
    for (const protocol of ['eager', 'cooperative'] as const) {
      const [fourth] = await startInstances(page, { app: 'word-count', count: 1, applicationId: groups[protocol], guarantee: 'at_least_once', protocol });
      ids[protocol]!.push(fourth!);
    }
    await waitRunning(page, [...ids['eager']!, ...ids['cooperative']!]);
    for (const protocol of ['eager', 'cooperative'] as const) await tasksSettled(page, groups[protocol], ids[protocol]!);
  });

  await test.step('Rebalances: the pause of staying tasks, eager beside cooperative', async () => {
    await go(page, 'rebalances');
    await page.getByTestId('rebalances-all').check();
    const row = (group: string) => page.getByTestId(`pause-compare-${group}`);
    for (const [protocol, group] of Object.entries(groups)) {
      await expect(row(group)).toHaveAttribute('data-protocol', protocol, { timeout: 60_000 });
      await expect.poll(async () => (await row(group).getAttribute('data-kept-max')) ?? '', { timeout: 60_000, message: `${group}: a kept task's pause` }).not.toBe('');
    }
    // The median over every staying task of every generation: a cooperative one pauses only
    // while the callbacks hold the thread (a revocation's commit can take a few hundred ms, so
    // single maxima of the two may cross), an eager one from its suspension until it runs again.
    const kept = async (group: string, which: 'median' | 'max') => Number(await row(group).getAttribute(`data-kept-${which}`));
    const eager = { median: await kept(groups.eager, 'median'), max: await kept(groups.eager, 'max') };
    const cooperative = { median: await kept(groups.cooperative, 'median'), max: await kept(groups.cooperative, 'max') };
    test.info().annotations.push({
      type: 'pause of staying tasks (median / max)',
      description: `eager ${eager.median} / ${eager.max} ms, cooperative ${cooperative.median} / ${cooperative.max} ms`,
    });
    expect(cooperative.median, 'cooperative: tasks that stay keep processing').toBeLessThan(eager.median);
    await expect(page.locator('[data-testid="rebalance-cause"][data-kind="joined"]').first()).toBeVisible();
    await shot(app, 'eager-vs-cooperative');
    await go(page, 'instances');
    await page.getByTestId('load-stop').click();
  });
}
