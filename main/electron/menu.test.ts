import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { menuTemplate } from './menu.js';

function roles(items: MenuItemConstructorOptions[]): string[] {
  return items.flatMap((i) => [...(i.role !== undefined ? [i.role] : []), ...(Array.isArray(i.submenu) ? roles(i.submenu) : [])]);
}

function find(items: MenuItemConstructorOptions[], label: string): MenuItemConstructorOptions | undefined {
  for (const i of items) {
    if (i.label === label) return i;
    const inner = Array.isArray(i.submenu) ? find(i.submenu, label) : undefined;
    if (inner !== undefined) return inner;
  }
  return undefined;
}

describe('menuTemplate', () => {
  const actions = { exportEvents: vi.fn(), about: vi.fn() };

  it('offers reload and DevTools in development only', () => {
    expect(roles(menuTemplate(actions, { dev: true, platform: 'linux' }))).toEqual(expect.arrayContaining(['reload', 'forceReload', 'toggleDevTools']));
    const prod = roles(menuTemplate(actions, { dev: false, platform: 'linux' }));
    expect(prod).not.toContain('reload');
    expect(prod).not.toContain('forceReload');
    expect(prod).not.toContain('toggleDevTools');
    expect(prod).toContain('quit');
  });

  it('has File › export and Help › about wired to the actions', () => {
    const menu = menuTemplate(actions, { dev: false, platform: 'linux' });
    expect(menu.map((m) => m.label)).toEqual(['&File', '&Edit', '&View', '&Help']);
    (find(menu, 'Export Events as CSV…')!.click as () => void)();
    expect(actions.exportEvents).toHaveBeenCalledWith('csv');
    (find(menu, 'About Streamwatch')!.click as () => void)();
    expect(actions.about).toHaveBeenCalled();
  });

  it('uses the app menu on macOS', () => {
    expect(roles(menuTemplate(actions, { dev: false, platform: 'darwin' }))[0]).toBe('appMenu');
  });
});
