// The decision in browser.ts, against stub probes: no browser is started, nothing is extracted.
import { describe, expect, it, vi } from 'vitest';
import { chooseBrowser, installHint, playwrightPaths, systemBrowserPaths, type DiscoveryInput, type NpmChromium, type ProbeResult } from './browser.js';

const PW = '/home/u/.cache/ms-playwright/chromium-1255/chrome-linux64/chrome';
const PW_SHELL = '/home/u/.cache/ms-playwright/chromium_headless_shell-1255/chrome-headless-shell-linux64/chrome-headless-shell';
const NPM = '/tmp/streamwatch-chromium-143.0.4-1000/chromium';

/** A machine where exactly `runs` run (version "V <path>"), `broken` exist but fail, the rest are absent. */
function machine(over: Partial<DiscoveryInput> & { runs?: string[]; broken?: Record<string, string>; npm?: () => NpmChromium } = {}) {
  const { runs = [], broken = {}, ...rest } = over;
  const probe = vi.fn((path: string): ProbeResult => {
    if (runs.includes(path)) return { runs: true, version: `V ${path}` };
    if (path in broken) return { runs: false, why: broken[path]! };
    return { runs: false, why: 'not found' };
  });
  const npm = vi.fn(over.npm ?? ((): NpmChromium => ({ path: NPM, label: '@sparticuz/chromium 143.0.4 from node_modules' })));
  const input: DiscoveryInput = {
    setting: undefined,
    platform: 'linux',
    arch: 'x64',
    systemPaths: systemBrowserPaths('linux', { PATH: '/usr/local/bin:/usr/bin:/bin' }),
    playwrightPaths: playwrightPaths(PW, 'linux'),
    cwd: '/repo',
    ...rest,
    npm,
    probe,
  };
  return { input, probe, npm };
}

describe('chooseBrowser: the documented order', () => {
  it('takes a system Chromium first, and looks no further', () => {
    const { input, npm } = machine({ runs: ['/usr/bin/chromium', PW, NPM] });
    const d = chooseBrowser(input);
    expect(d).toMatchObject({ ok: true, source: 'system', executablePath: '/usr/bin/chromium', version: 'V /usr/bin/chromium', reason: 'system Chromium/Chrome' });
    expect(npm).not.toHaveBeenCalled();
  });

  it('prefers a browser on PATH to the standard locations, by name order', () => {
    const { input } = machine({ runs: ['/usr/bin/chromium', '/usr/local/bin/google-chrome'] });
    expect(chooseBrowser(input)).toMatchObject({ executablePath: '/usr/bin/chromium' });
    const other = machine({ runs: ['/usr/local/bin/google-chrome', '/opt/google/chrome/chrome'] });
    expect(chooseBrowser(other.input)).toMatchObject({ executablePath: '/usr/local/bin/google-chrome' });
  });

  it("falls back to Playwright's Chromium, then its headless shell, saying why", () => {
    const { input, npm } = machine({ runs: [PW, NPM] });
    const d = chooseBrowser(input);
    expect(d).toMatchObject({ ok: true, source: 'playwright', executablePath: PW });
    expect(d.ok && d.reason).toMatch(/^Playwright's own Chromium, since no system Chromium\/Chrome \(chromium, chromium-browser/);
    expect(npm).not.toHaveBeenCalled();
    expect(chooseBrowser(machine({ runs: [PW_SHELL] }).input)).toMatchObject({ source: 'playwright', executablePath: PW_SHELL });
  });

  it('a system browser that exists but does not run is passed over, and named', () => {
    const { input } = machine({ runs: [PW], broken: { '/usr/bin/chromium': 'error while loading shared libraries: libnss3.so: cannot open shared object file' } });
    const d = chooseBrowser(input);
    expect(d).toMatchObject({ ok: true, source: 'playwright', executablePath: PW });
    expect(d.ok && d.reason).toContain('/usr/bin/chromium does not run (error while loading shared libraries: libnss3.so');
  });

  it('extracts the npm Chromium only when nothing earlier runs', () => {
    const { input, npm } = machine({ runs: [NPM] });
    const d = chooseBrowser(input);
    expect(npm).toHaveBeenCalledTimes(1);
    expect(d).toMatchObject({ ok: true, source: 'npm', executablePath: NPM });
    expect(d.ok && d.reason).toMatch(/^@sparticuz\/chromium 143\.0\.4 from node_modules, since no system Chromium\/Chrome .*; no Playwright browser \(.*chromium-1255.* not installed\)$/);
  });

  it('skips the npm step off Linux x64 without calling it', () => {
    for (const [platform, arch] of [['linux', 'arm64'], ['darwin', 'arm64'], ['win32', 'x64']] as const) {
      const { input, npm } = machine({ platform, arch, systemPaths: [], playwrightPaths: [] });
      const d = chooseBrowser(input);
      expect(d.ok).toBe(false);
      expect(!d.ok && d.message).toContain(`the npm package @sparticuz/chromium: Linux x64 only (this is ${platform}-${arch})`);
      expect(npm).not.toHaveBeenCalled();
    }
  });
});

describe('chooseBrowser: STREAMWATCH_BROWSER', () => {
  it('a path is used as given (relative to the working directory), before anything else', () => {
    const { input, probe } = machine({ setting: 'bin/chrome', runs: ['/repo/bin/chrome', '/usr/bin/chromium'] });
    expect(chooseBrowser(input)).toMatchObject({ ok: true, source: 'setting', executablePath: '/repo/bin/chrome', reason: 'STREAMWATCH_BROWSER is set' });
    expect(probe).toHaveBeenCalledTimes(1);
  });

  it('a path that does not run fails, with no fallback', () => {
    const { input, npm } = machine({ setting: '/nope/chrome', runs: ['/usr/bin/chromium'] });
    const d = chooseBrowser(input);
    expect(d).toEqual({ ok: false, message: 'e2e: no browser for the web journeys: STREAMWATCH_BROWSER=/nope/chrome does not run (not found); point it at a Chrome/Chromium binary, or unset it to let the journeys find one' });
    expect(npm).not.toHaveBeenCalled();
  });

  it('`npm` / `playwright` / `system` allow only that step', () => {
    const all = [
      '/usr/bin/chromium',
      PW,
      NPM,
    ];
    expect(chooseBrowser(machine({ setting: 'npm', runs: all }).input)).toMatchObject({ source: 'npm', executablePath: NPM, reason: expect.stringContaining('(STREAMWATCH_BROWSER=npm)') });
    expect(chooseBrowser(machine({ setting: 'playwright', runs: all }).input)).toMatchObject({ source: 'playwright', executablePath: PW });
    expect(chooseBrowser(machine({ setting: 'system', runs: all }).input)).toMatchObject({ source: 'system', executablePath: '/usr/bin/chromium' });
    const none = chooseBrowser(machine({ setting: 'playwright', runs: ['/usr/bin/chromium', NPM] }).input);
    expect(!none.ok && none.message).toMatch(/^e2e: no browser for the web journeys \(STREAMWATCH_BROWSER=playwright allows only that step\): no Playwright browser/);
  });
});

describe('chooseBrowser: where none runs', () => {
  it('one line: what was tried, and what to install', () => {
    const { input } = machine({ npm: () => ({ error: 'not installed (it is a devDependency: npm ci installs it)' }) });
    const d = chooseBrowser(input);
    expect(d.ok).toBe(false);
    const message = !d.ok ? d.message : '';
    expect(message).not.toContain('\n');
    expect(message).toMatch(/^e2e: no browser for the web journeys: no system Chromium\/Chrome \(.*\); no Playwright browser \(.*\); the npm package @sparticuz\/chromium: not installed .*\. Install one: `apt install chromium`/);
    expect(message).toContain('`npx playwright install chromium`');
    expect(message).toContain('set STREAMWATCH_BROWSER to a Chrome/Chromium binary');
  });

  it('names the missing library when the npm Chromium cannot load one', () => {
    const { input } = machine({ broken: { [NPM]: 'error while loading shared libraries: libnss3.so: cannot open shared object file: No such file or directory' } });
    const d = chooseBrowser(input);
    expect(!d.ok && d.message).toContain(`${NPM} does not run (error while loading shared libraries: libnss3.so`);
    expect(!d.ok && d.message).toContain('`apt install libnss3`');
  });

  it('install hints per platform', () => {
    expect(installHint('darwin', '')).toMatch(/^Google Chrome .* `brew install --cask chromium`/);
    expect(installHint('win32', '')).toMatch(/^Google Chrome/);
    expect(installHint('linux', '')).not.toContain('libnss3');
    expect(installHint('linux', 'x: error while loading shared libraries: /lib/x86_64-linux-gnu/libnspr4.so: file too short')).toContain('`apt install libnspr4`');
  });
});

describe('candidates', () => {
  it('Linux: names on PATH, then the standard locations, once each', () => {
    const paths = systemBrowserPaths('linux', { PATH: '/usr/local/bin:/usr/bin:relative/bin' });
    expect(paths.slice(0, 4)).toEqual(['/usr/local/bin/chromium', '/usr/bin/chromium', '/usr/local/bin/chromium-browser', '/usr/bin/chromium-browser']);
    expect(paths).toContain('/snap/bin/chromium');
    expect(paths).toContain('/opt/google/chrome/chrome');
    expect(paths.some((p) => p.startsWith('relative'))).toBe(false);
    expect(new Set(paths).size).toBe(paths.length);
    expect(systemBrowserPaths('linux', {})[0]).toBe('/usr/bin/chromium');
  });

  it('macOS and Windows: the standard Chrome and Chromium locations', () => {
    expect(systemBrowserPaths('darwin', { PATH: '', HOME: '/Users/u' })).toEqual([
      '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
      '/Applications/Chromium.app/Contents/MacOS/Chromium',
      '/Users/u/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
      '/Users/u/Applications/Chromium.app/Contents/MacOS/Chromium',
    ]);
    expect(systemBrowserPaths('win32', { LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local', PROGRAMFILES: 'C:\\Program Files', ProgramFiles: 'C:\\Program Files' })).toEqual([
      'C:\\Users\\u\\AppData\\Local\\Google\\Chrome\\Application\\chrome.exe',
      'C:\\Users\\u\\AppData\\Local\\Chromium\\Application\\chrome.exe',
      'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
      'C:\\Program Files\\Chromium\\Application\\chrome.exe',
    ]);
  });

  it("Playwright's Chromium and, beside it, the headless shell of the same revision", () => {
    expect(playwrightPaths(PW, 'linux')).toEqual([PW, PW_SHELL]);
    expect(playwrightPaths('/Users/u/Library/Caches/ms-playwright/chromium-1255/chrome-mac-arm64/Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing', 'darwin')[1]).toBe(
      '/Users/u/Library/Caches/ms-playwright/chromium_headless_shell-1255/chrome-headless-shell-mac-arm64/chrome-headless-shell',
    );
    expect(playwrightPaths('C:\\Users\\u\\AppData\\Local\\ms-playwright\\chromium-1255\\chrome-win64\\chrome.exe', 'win32')[1]).toBe(
      'C:\\Users\\u\\AppData\\Local\\ms-playwright\\chromium_headless_shell-1255\\chrome-headless-shell-win64\\chrome-headless-shell.exe',
    );
    expect(playwrightPaths('/somewhere/else/chrome', 'linux')).toEqual(['/somewhere/else/chrome']);
    expect(playwrightPaths(undefined, 'linux')).toEqual([]);
  });
});
