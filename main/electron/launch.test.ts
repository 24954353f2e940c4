import { describe, expect, it } from 'vitest';
import { afterElectron, buildIsStale, parseStartArgs, planLaunch, type LaunchFacts } from './launch.js';

const base: LaunchFacts = {
  electron: { path: '/repo/node_modules/electron/dist/electron' },
  electronExists: true,
  platform: 'linux',
  env: { DISPLAY: ':0' },
  forceWeb: false,
};

describe('planLaunch', () => {
  it('runs Electron when its binary is there and there is a display', () => {
    expect(planLaunch(base)).toEqual({ mode: 'electron', electronPath: '/repo/node_modules/electron/dist/electron' });
    expect(planLaunch({ ...base, env: { WAYLAND_DISPLAY: 'wayland-0' } }).mode).toBe('electron');
    expect(planLaunch({ ...base, platform: 'darwin', env: {} }).mode).toBe('electron');
    expect(planLaunch({ ...base, platform: 'win32', env: {} }).mode).toBe('electron');
  });

  it('obtains the runtime when the package is there but its binary was never downloaded (npm install denies its script)', () => {
    const neverDownloaded = { ...base, electron: { error: 'Electron failed to install correctly' }, electronExists: false, electronPackage: true };
    expect(planLaunch(neverDownloaded)).toEqual({ mode: 'install' });
    expect(planLaunch({ ...base, electronExists: false, electronPackage: true })).toEqual({ mode: 'install' });
    // Once tried in this run, the web shell, saying why.
    expect(planLaunch({ ...neverDownloaded, installTried: true })).toEqual({ mode: 'web', reason: 'the Electron runtime is still not installed' });
    expect(planLaunch({ ...base, electronExists: false, installTried: true })).toEqual({ mode: 'web', reason: expect.stringMatching(/missing/) });
  });

  it('does not download where it was told not to, where the package is absent, or where there is no display', () => {
    const neverDownloaded = { ...base, electron: { error: 'x' }, electronExists: false, electronPackage: true };
    expect(planLaunch({ ...neverDownloaded, env: { DISPLAY: ':0', ELECTRON_SKIP_BINARY_DOWNLOAD: '1' } })).toEqual({ mode: 'web', reason: expect.stringMatching(/ELECTRON_SKIP_BINARY_DOWNLOAD/) });
    expect(planLaunch({ ...neverDownloaded, electronPackage: false })).toEqual({ mode: 'web', reason: 'the electron package is not installed' });
    expect(planLaunch({ ...neverDownloaded, env: {} })).toEqual({ mode: 'web', reason: expect.stringMatching(/no display/) });
  });

  it('falls back on Linux without a display', () => {
    expect(planLaunch({ ...base, env: {} })).toEqual({ mode: 'web', reason: expect.stringMatching(/no display/) });
    expect(planLaunch({ ...base, env: { DISPLAY: '', WAYLAND_DISPLAY: '' } }).mode).toBe('web');
  });

  it('honours --web and refuses ELECTRON_RUN_AS_NODE', () => {
    expect(planLaunch({ ...base, forceWeb: true })).toEqual({ mode: 'web', reason: expect.stringMatching(/--web/) });
    expect(planLaunch({ ...base, env: { DISPLAY: ':0', ELECTRON_RUN_AS_NODE: '1' } }).mode).toBe('web');
  });

  it('gives a one-line reason', () => {
    const plan = planLaunch({ ...base, env: {} });
    expect(plan.mode === 'web' && !plan.reason.includes('\n')).toBe(true);
  });
});

describe('afterElectron', () => {
  it('exits with Electron once its window was shown', () => {
    expect(afterElectron({ code: 0, signal: null, windowShown: true })).toEqual({ action: 'exit', code: 0 });
    expect(afterElectron({ code: 3, signal: null, windowShown: true })).toEqual({ action: 'exit', code: 3 });
  });

  it('falls back when Electron cannot be spawned or dies before its window', () => {
    expect(afterElectron({ spawnError: 'spawn ENOENT', code: null, signal: null, windowShown: false })).toEqual({
      action: 'fallback',
      reason: 'Electron could not be started (spawn ENOENT)',
    });
    expect(afterElectron({ code: 1, signal: null, windowShown: false })).toEqual({ action: 'fallback', reason: 'Electron exited with code 1 before opening its window' });
    expect(afterElectron({ code: null, signal: 'SIGSEGV', windowShown: false }).action).toBe('fallback');
  });

  it('does not fall back when the user interrupted it or it handed over to a running instance', () => {
    expect(afterElectron({ code: null, signal: 'SIGINT', windowShown: false })).toEqual({ action: 'exit', code: 1 });
    expect(afterElectron({ code: 0, signal: null, windowShown: false })).toEqual({ action: 'exit', code: 0 });
  });
});

describe('parseStartArgs', () => {
  it('takes --web and passes the rest on', () => {
    expect(parseStartArgs(['--web', '--port', '8080', '--state-dir', '/tmp/x'])).toEqual({ forceWeb: true, rest: ['--port', '8080', '--state-dir', '/tmp/x'] });
    expect(parseStartArgs([])).toEqual({ forceWeb: false, rest: [] });
  });
});

describe('buildIsStale', () => {
  it('rebuilds when an output is missing or older than a source', () => {
    expect(buildIsStale(100, [200, 200, 200])).toBe(false);
    expect(buildIsStale(100, [200, null, 200])).toBe(true);
    expect(buildIsStale(300, [200, 400, 400])).toBe(true);
    expect(buildIsStale(100, [])).toBe(true);
  });
});
