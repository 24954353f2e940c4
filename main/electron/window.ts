// The Electron side of the window: the app:// protocol serving dist/renderer with the CSP header,
// the BrowserWindow built from windowOptions(), and the guards on navigation, new windows,
// <webview> and permission requests.
import { readFile } from 'node:fs/promises';
import { BrowserWindow, protocol, session as electronSession, shell } from 'electron';
import { contentType, resolveRendererFile } from './app-protocol.js';
import { APP_INDEX_URL, APP_SCHEME, CONTENT_SECURITY_POLICY, classifyNavigation, windowOptions, withCsp } from './security.js';

/** Must run before app 'ready'. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
  ]);
}

/** After 'ready': serve the renderer directory under app://streamwatch/, CSP on every response. */
export function serveRenderer(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveRendererFile(rendererDir, request.url);
    if (file === null) return new Response('not found', { status: 404, headers: { 'content-type': 'text/plain' } });
    try {
      const body = await readFile(file);
      return new Response(body, {
        status: 200,
        headers: {
          'content-type': contentType(file),
          'content-security-policy': CONTENT_SECURITY_POLICY,
          'x-content-type-options': 'nosniff',
          'cache-control': 'no-cache',
        },
      });
    } catch {
      return new Response('not found', { status: 404, headers: { 'content-type': 'text/plain' } });
    }
  });
  // Anything that does come through the network stack (nothing should) gets the CSP as well.
  electronSession.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withCsp(details.responseHeaders) });
  });
  // The console needs no camera, microphone, notifications, geolocation…
  electronSession.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  electronSession.defaultSession.setPermissionCheckHandler(() => false);
}

export interface CreateWindowOptions {
  preloadPath: string;
  dev: boolean;
  onReady?: () => void;
}

export function createMainWindow({ preloadPath, dev, onReady }: CreateWindowOptions): BrowserWindow {
  const win = new BrowserWindow(windowOptions({ preloadPath, dev }));
  const contents = win.webContents;

  const guard = (url: string): boolean => {
    const verdict = classifyNavigation(url);
    if (verdict === 'open-external') void shell.openExternal(url);
    return verdict === 'allow';
  };
  contents.on('will-navigate', (event, url) => {
    if (!guard(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!guard(url)) event.preventDefault();
  });
  // No second window, ever: app links stay in this one; https opens in the system browser.
  contents.setWindowOpenHandler(({ url }) => {
    if (guard(url)) void contents.loadURL(url);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());

  win.once('ready-to-show', () => {
    win.show();
    onReady?.();
  });
  void win.loadURL(APP_INDEX_URL);
  return win;
}
