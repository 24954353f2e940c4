// The window's security posture as data, so tests can assert it: BrowserWindow options, the
// Content-Security-Policy, and which URLs the window may navigate to. No Electron import here
// beyond types.
import type { BrowserWindowConstructorOptions } from 'electron';

/**
 * The renderer is served from a custom, privileged scheme instead of file://: it gives the page a
 * real origin (so CSP 'self' means exactly the app's own files, and Vite's absolute /assets/
 * paths resolve), and lets the protocol handler attach the CSP header to every response.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'streamwatch';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/**
 * No eval, no inline script, nothing fetched from anywhere but the app itself. Styles: 'self'
 * only — Vite extracts SFC styles into .css files and Vue/Chart.js set styles through the CSSOM
 * (el.style), which CSP does not restrict. Images and fonts may be data: URIs (Vite inlines
 * small assets that way); those cannot carry script.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface WindowOptionsInput {
  /** Absolute path of the built preload bundle (dist/main/preload.cjs). */
  preloadPath: string;
  /** Development build: DevTools allowed. */
  dev: boolean;
}

export function windowOptions({ preloadPath, dev }: WindowOptionsInput): BrowserWindowConstructorOptions {
  return {
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    title: 'Streamwatch',
    show: false, // shown on ready-to-show: no white flash
    backgroundColor: '#1e1e1e',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      experimentalFeatures: false,
      safeDialogs: true,
      spellcheck: false,
      devTools: dev,
      // There is no `remote` module since Electron 14 and @electron/remote is not a dependency.
    },
  };
}

export type NavigationVerdict = 'allow' | 'open-external' | 'deny';

/**
 * In-window navigation and window.open: only the app's own origin stays in the window; https
 * links (documentation, "about") go to the system browser; everything else is refused.
 */
export function classifyNavigation(url: string): NavigationVerdict {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'deny';
  }
  if (parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST) return 'allow';
  if (parsed.protocol === 'https:') return 'open-external';
  return 'deny';
}

/** Headers with the CSP set (replacing any CSP a response already carries, in any letter case). */
export function withCsp(headers: Record<string, string[]> | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() !== 'content-security-policy') out[name] = value;
  }
  out['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY];
  return out;
}
