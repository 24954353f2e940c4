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

  it('falls back to the web shell when require("electron") throws (binary never downloaded)', () => {
    const plan = planLaunch({ ...base, electron: { error: 'Electron failed to install correctly' }, electronExists: false });
    expect(plan).toEqual({ mode: 'web', reason: expect.stringMatching(/Electron binary is not installed/) });
  });

  it('falls back when the path it names does not exist', () => {
    expect(planLaunch({ ...base, electronExists: false })).toEqual({ mode: 'web', reason: expect.stringMatching(/missing/) });
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
