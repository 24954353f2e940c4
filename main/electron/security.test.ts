import { describe, expect, it } from 'vitest';
import { resolveRendererFile } from './app-protocol.js';
import { APP_INDEX_URL, CONTENT_SECURITY_POLICY, classifyNavigation, windowOptions, withCsp } from './security.js';

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0] !== '')
      .map(([name, ...values]) => [name!, values]),
  );
}

describe('windowOptions', () => {
  const prefs = windowOptions({ preloadPath: '/app/dist/main/preload.cjs', dev: false }).webPreferences!;

  it('isolates and sandboxes the renderer', () => {
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.sandbox).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInWorker).toBe(false);
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
    expect(prefs.webSecurity).toBe(true);
    expect(prefs.allowRunningInsecureContent).toBe(false);
    expect(prefs.webviewTag).toBe(false);
    expect(prefs.experimentalFeatures).toBe(false);
    expect(prefs.preload).toBe('/app/dist/main/preload.cjs');
  });

  it('has no remote module and no DevTools outside development', () => {
    expect(Object.keys(prefs)).not.toContain('enableRemoteModule');
    expect(prefs.devTools).toBe(false);
    expect(windowOptions({ preloadPath: '/p.cjs', dev: true }).webPreferences!.devTools).toBe(true);
  });

  it('changes nothing security-related between dev and production but DevTools', () => {
    const dev = { ...windowOptions({ preloadPath: '/p', dev: true }).webPreferences, devTools: null };
    const prod = { ...windowOptions({ preloadPath: '/p', dev: false }).webPreferences, devTools: null };
    expect(dev).toEqual(prod);
  });
});

describe('CONTENT_SECURITY_POLICY', () => {
  const csp = directives(CONTENT_SECURITY_POLICY);

  it('allows scripts and connections only from the app itself, never eval or inline script', () => {
    expect(csp.get('default-src')).toEqual(["'self'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|wasm-unsafe-eval|\*|https?:/);
  });

  it('allows no inline styles either', () => {
    expect(csp.get('style-src')).toEqual(["'self'"]);
  });

  it('replaces any CSP header a response carries', () => {
    const headers = withCsp({ 'content-security-policy': ['default-src *'], 'Content-Type': ['text/html'] });
    expect(headers).toEqual({ 'Content-Type': ['text/html'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
  });
});

describe('classifyNavigation', () => {
  it('keeps the app origin in the window', () => {
    expect(classifyNavigation(APP_INDEX_URL)).toBe('allow');
    expect(classifyNavigation('app://streamwatch/#/groups')).toBe('allow');
  });

  it('sends https to the system browser and refuses everything else', () => {
    expect(classifyNavigation('https://kafka.apache.org/documentation/')).toBe('open-external');
    expect(classifyNavigation('http://example.com/')).toBe('deny');
    expect(classifyNavigation('file:///etc/passwd')).toBe('deny');
    expect(classifyNavigation('app://elsewhere/index.html')).toBe('deny');
    expect(classifyNavigation('javascript:alert(1)')).toBe('deny');
    expect(classifyNavigation('not a url')).toBe('deny');
  });
});

describe('resolveRendererFile', () => {
  const root = '/opt/streamwatch/dist/renderer';

  it('maps app:// paths into the renderer directory', () => {
    expect(resolveRendererFile(root, 'app://streamwatch/index.html')).toBe(`${root}/index.html`);
    expect(resolveRendererFile(root, 'app://streamwatch/')).toBe(`${root}/index.html`);
    expect(resolveRendererFile(root, 'app://streamwatch/assets/index-abc.js?v=1')).toBe(`${root}/assets/index-abc.js`);
    expect(resolveRendererFile(root, 'app://streamwatch/groups')).toBe(`${root}/index.html`);
  });

  it('refuses to leave it', () => {
    expect(resolveRendererFile(root, 'app://streamwatch/../../etc/passwd')).toBe(`${root}/index.html`); // URL parsing normalises ..
    expect(resolveRendererFile(root, 'app://streamwatch/%2e%2e/%2e%2e/secret.txt')).toBe(`${root}/secret.txt`); // so does %2e%2e
    expect(resolveRendererFile(root, 'app://streamwatch/..%2f..%2fsecret.txt')).toBeNull();
    expect(resolveRendererFile(root, 'app://streamwatch/a%00.js')).toBeNull();
    expect(resolveRendererFile(root, 'app://other/index.html')).toBeNull();
    expect(resolveRendererFile(root, 'file:///etc/passwd')).toBeNull();
  });
});
