// The Electron main process proper (electron-app.js, imported by main.ts once the app's identity is
// set): single-instance lock, the app:// protocol, the core Session on the embedded cluster, the IPC bridge, the window
// and the menu.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { BrowserWindow, Menu, app, dialog, ipcMain, safeStorage } from 'electron';
import { createCommandBridge, eventForwarder, registerCommandBridge, toCommandError } from './ipc-bridge.js';
import { QUIT_ON_STDIN_ENV, QUIT_REQUEST, READY_MARKER } from './launch-marker.js';
import { menuTemplate } from './menu.js';
import { classifyNavigation } from './security.js';
import { SafeStorageSecretStore } from './secret-store.js';
import { openSession, type ConsoleSession } from './open-session.js';
import { createMainWindow, registerAppScheme, serveRenderer } from './window.js';

// Built layout: dist/main/{main,electron-app}.js, dist/main/preload.cjs, dist/renderer/index.html.
const PRELOAD = fileURLToPath(new URL('./preload.cjs', import.meta.url));
const RENDERER_DIR = fileURLToPath(new URL('../renderer/', import.meta.url));

export async function runApp(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    console.log('streamwatch: already running; focusing the open window');
    app.quit();
    return;
  }
  app.enableSandbox(); // every renderer, not just the window's (belt and braces with windowOptions)
  registerAppScheme();
  const dev = !app.isPackaged;

  let win: BrowserWindow | null = null;
  let session: ConsoleSession | null = null;

  app.on('second-instance', () => {
    if (win === null) return;
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  });

  // Belt and braces: every webContents (not just ours) refuses foreign navigation and popups.
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (classifyNavigation(url) !== 'allow') event.preventDefault();
    });
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });

  await app.whenReady();
  serveRenderer(RENDERER_DIR);

  // main.ts made userData Streamwatch's own ($STREAMWATCH_STATE_DIR when set, as for `npm run web`).
  const stateDir = app.getPath('userData');
  try {
    session = await openSession({ stateDir, secrets: new SafeStorageSecretStore(join(stateDir, 'profile-secrets.json'), safeStorage) });
  } catch (err) {
    dialog.showErrorBox('Streamwatch cannot start', toCommandError(err).message);
    app.exit(1);
    return;
  }
  const current = session;

  const bridge = createCommandBridge({
    session: current,
    isTrustedSender: (url) => url !== null && classifyNavigation(url) === 'allow',
    onRejected: (e) => console.warn(`streamwatch: refused an IPC request: ${e.message}`),
  });
  const unregisterBridge = registerCommandBridge(ipcMain, bridge);
  const unsubscribe = current.onEvent(
    eventForwarder(
      () => (win !== null && !win.isDestroyed() && !win.webContents.isDestroyed() ? [win.webContents] : []),
      (message) => console.warn(`streamwatch: ${message}`),
    ),
  );

  const exportEvents = async (format: 'json' | 'csv'): Promise<void> => {
    try {
      const { filename, content } = (await current.handle('events.export', { format })) as { filename: string; content: string };
      const options = { title: 'Export events', defaultPath: join(app.getPath('downloads'), filename) };
      const choice = win !== null ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
      if (choice.canceled || choice.filePath === undefined) return;
      await writeFile(choice.filePath, content);
    } catch (err) {
      dialog.showErrorBox('Export failed', toCommandError(err).message);
    }
  };
  const about = (): void => {
    const detail = [`Version ${app.getVersion()}`, `Electron ${process.versions.electron}`, `Chromium ${process.versions.chrome}`, `Node ${process.versions.node}`].join('\n');
    const options = { type: 'info' as const, title: 'About Streamwatch', message: 'Streamwatch', detail };
    void (win !== null ? dialog.showMessageBox(win, options) : dialog.showMessageBox(options));
  };
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate({ exportEvents: (f) => void exportEvents(f), about }, { dev, platform: process.platform })));

  win = createMainWindow({ preloadPath: PRELOAD, dev, onReady: () => console.log(READY_MARKER) });
  win.on('closed', () => {
    win = null;
  });

  // The embedded cluster by default; progress and failures arrive as events.
  void Promise.resolve(current.handle('cluster.useEmbedded', {})).catch((err: unknown) =>
    console.warn(`streamwatch: could not start the embedded cluster: ${toCommandError(err).message}`),
  );

  app.on('window-all-closed', () => app.quit());
  // npm start on Windows asks this way (run-electron.ts); a closed stdin is not a request.
  if (process.env[QUIT_ON_STDIN_ENV] === '1') {
    createInterface({ input: process.stdin }).on('line', (line) => {
      if (line.trim() === QUIT_REQUEST) app.quit();
    });
  }

  // Close the session (stop instances, the embedded broker) before the process goes.
  let closed = false;
  let closing = false;
  app.on('before-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    if (closing) return;
    closing = true;
    unsubscribe();
    unregisterBridge();
    current
      .close()
      .catch((err: unknown) => console.warn(`streamwatch: closing the session: ${toCommandError(err).message}`))
      .finally(() => {
        closed = true;
        app.quit();
      });
  });
}
