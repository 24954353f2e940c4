// The application menu as a pure template: File (export events, quit), View (reload and DevTools
// in development only, zoom, full screen), Help (about). Actions are passed in.
import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  exportEvents(format: 'json' | 'csv'): void;
  about(): void;
}

export function menuTemplate(actions: MenuActions, opts: { dev: boolean; platform: NodeJS.Platform }): MenuItemConstructorOptions[] {
  const mac = opts.platform === 'darwin';
  const view: MenuItemConstructorOptions[] = [
    ...(opts.dev
      ? ([{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, { type: 'separator' }] satisfies MenuItemConstructorOptions[])
      : []),
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' },
  ];
  return [
    ...(mac ? ([{ role: 'appMenu' }] satisfies MenuItemConstructorOptions[]) : []),
    {
      label: '&File',
      submenu: [
        { label: 'Export Events as JSON…', accelerator: 'CmdOrCtrl+E', click: () => actions.exportEvents('json') },
        { label: 'Export Events as CSV…', accelerator: 'CmdOrCtrl+Shift+E', click: () => actions.exportEvents('csv') },
        { type: 'separator' },
        mac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { label: '&Edit', submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }] },
    { label: '&View', submenu: view },
    { label: '&Help', submenu: [{ label: 'About Streamwatch', click: () => actions.about() }] },
  ];
}
