// Steps and readings shared by the journeys: moving between views, screenshots, reading counts
// and the assignment board, using the embedded cluster, starting instances through the form.
import { join } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { ARTIFACTS, type ConsoleApp } from './fixtures.js';

export type View = 'connect' | 'overview' | 'instances' | 'group' | 'tasks' | 'rebalances' | 'failover' | 'transactions' | 'lag' | 'topology' | 'events' | 'queries';

export async function go(page: Page, view: View): Promise<void> {
  await page.getByTestId(`nav-${view}`).click();
  await expect(page.getByTestId(`view-${view}`)).toBeVisible();
}

/** e2e/artifacts/<prefix><view>.png, kept after the run, and attached to the test's report. */
export async function shot(app: ConsoleApp, name: string): Promise<void> {
  const path = join(ARTIFACTS, `${app.screenshotPrefix}${name}.png`);
  // Let CSS transitions (the board's sliding chips) and the 100 ms event batches settle.
  await app.page.waitForTimeout(800);
  await app.page.screenshot({ path, fullPage: true });
  await test.info().attach(`${name}.png`, { path, contentType: 'image/png' });
}

/** "1,234" → 1234; "—" → null. */
export function parseCount(text: string | null): number | null {
  const digits = (text ?? '').replace(/[^\d-]/g, '');
  return digits === '' || digits === '-' ? null : Number(digits);
}

export async function count(locator: Locator): Promise<number | null> {
  return parseCount(await locator.textContent());
}

export interface Board {
  /** Column heads: instance ids (member ids when not hosted), 'unassigned' for that column. */
  members: string[];
  /** board-cell-<topic>-<partition> → owner ('' when unassigned). */
  cells: Record<string, string>;
}

export async function readBoard(page: Page): Promise<Board> {
  return page.evaluate(() => {
    const members = [...document.querySelectorAll('[data-testid^="board-member-"]')].map((e) => e.getAttribute('data-testid')!.slice('board-member-'.length));
    const cells: Record<string, string> = {};
    for (const e of document.querySelectorAll('[data-testid^="board-cell-"]')) cells[e.getAttribute('data-testid')!.slice('board-cell-'.length)] = e.getAttribute('data-owner') ?? '';
    return { members, cells };
  });
}

/** "3 members [a, b, c] own all 6 partitions", as one string a poll can compare. */
export function describeBoard(board: Board): string {
  const cells = Object.entries(board.cells);
  const owned = cells.filter(([, owner]) => owner !== '').length;
  const owners = [...new Set(cells.map(([, owner]) => owner).filter((o) => o !== ''))].sort();
  return `${board.members.length} members [${[...board.members].sort().join(', ')}] own ${owned}/${cells.length} partitions, owners [${owners.join(', ')}]`;
}

export function boardOf(members: string[], partitions: number): string {
  const sorted = [...members].sort();
  return `${members.length} members [${sorted.join(', ')}] own ${partitions}/${partitions} partitions, owners [${sorted.join(', ')}]`;
}

export async function selectGroup(page: Page, groupId: string): Promise<void> {
  const select = page.getByTestId('group-select');
  await expect(select.locator(`option[value="${groupId}"]`)).toHaveCount(1, { timeout: 30_000 });
  await select.selectOption(groupId);
}

/** Connect view → "Use embedded cluster" (the Electron shell is connected to it already). */
export async function useEmbeddedCluster(app: ConsoleApp): Promise<void> {
  const { page } = app;
  await go(page, 'connect');
  const button = page.getByTestId('connect-embedded');
  await expect(button).toBeVisible();
  if (app.kind === 'web') {
    await expect(button).toHaveText(/Use embedded cluster/);
    await button.click();
  }
  await expect(page.getByTestId('embedded-state')).toHaveText(/running/i, { timeout: 60_000 });
  await expect(button).toHaveText(/Using embedded cluster/, { timeout: 30_000 });
  await expect(button).toBeDisabled();
  await expect(page.getByTestId('embedded-error')).toHaveCount(0);
  await expect(page.getByTestId('cluster-panel')).toContainText('127.0.0.1');
  await expect(page.getByTestId('cluster-error')).toHaveCount(0);
}
