// `npm start` (main/start.ts) end to end, with the electron package pointed at a stand-in binary
// (ELECTRON_OVERRIDE_DIST_PATH, which the package itself honours): one that runs the built main
// process under the fake Electron, and one that dies at once, which must bring up the web shell.
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildMain } from '../build.js';
import { READY_MARKER } from './launch-marker.js';
import { runElectron, signalFilter } from './run-electron.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REGISTER = fileURLToPath(new URL('./testing/register-fake-electron.mjs', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url));
const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

async function fakeElectronDir(script: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sw-fake-electron-'));
  cleanup.push(dir);
  const bin = join(dir, 'electron');
  await writeFile(bin, `#!/bin/sh\n${script}\n`);
  await chmod(bin, 0o755);
  return dir;
}

/**
 * Runs `npm start` (main/start.ts through tsx) as a terminal's foreground job: in its own process
 * group. `until` matched on stdout: Ctrl+C, i.e. SIGINT to that whole group, as a terminal does.
 */
function npmStart(env: Record<string, string>, until?: RegExp): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TSX, 'main/start.ts'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let stopping = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (until !== undefined && !stopping && until.test(stdout)) {
        stopping = true;
        process.kill(-child.pid!, 'SIGINT');
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 80_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe.skipIf(process.platform === 'win32')('npm start', () => {
  it('builds dist/main and runs Electron on it when Electron can run', async () => {
    const dist = await fakeElectronDir(`exec "${process.execPath}" --import "${REGISTER}" "$@"`);
    const state = await mkdtemp(join(tmpdir(), 'sw-state-'));
    cleanup.push(state);
    const { code, stdout, stderr } = await npmStart({ ELECTRON_OVERRIDE_DIST_PATH: dist, DISPLAY: ':99', SW_FAKE_APPDATA: state, STREAMWATCH_STATE_DIR: state });
    expect(stdout, stderr).toContain(READY_MARKER);
    expect(stdout).not.toContain('web shell');
    expect(stdout).toMatch(/FAKE \{"what":"reply","step":"useEmbedded","reply":\{"ok":true/);
    expect(code).toBe(0);
  }, 90_000);

  it('says in one line why Electron did not run and starts the web shell on the embedded cluster', async () => {
    const dist = await fakeElectronDir('echo "error while loading shared libraries: libgtk-3.so.0" >&2; exit 127');
    const state = await mkdtemp(join(tmpdir(), 'sw-state-'));
    cleanup.push(state);
    const { stdout, stderr } = await npmStart({ ELECTRON_OVERRIDE_DIST_PATH: dist, DISPLAY: ':99', STREAMWATCH_STATE_DIR: state }, /embedded cluster on 127\.0\.0\.1:\d+/);
    const lines = stdout.split('\n').filter((l) => l.startsWith('streamwatch: not starting the Electron console'));
    expect(lines, `${stdout}\n${stderr}`).toEqual(['streamwatch: not starting the Electron console: Electron exited with code 127 before opening its window; starting the web shell instead']);
    expect(stdout).toMatch(/Streamwatch console: http:\/\/127\.0\.0\.1:\d+\/\?token=/);
  }, 90_000);

  it('Ctrl+C in the terminal reaches Electron once: it closes the session and quits cleanly', async () => {
    const dist = await fakeElectronDir(`exec "${process.execPath}" --import "${REGISTER}" "$@"`);
    const appData = await mkdtemp(join(tmpdir(), 'sw-appdata-'));
    cleanup.push(appData);
    const { code, stdout, stderr } = await npmStart(
      { ELECTRON_OVERRIDE_DIST_PATH: dist, DISPLAY: ':99', SW_FAKE_APPDATA: appData, SW_FAKE_STAY: '1', STREAMWATCH_STATE_DIR: '' },
      /FAKE \{"what":"staying"\}/,
    );
    const reports = stdout.split('\n').filter((l) => l.startsWith('FAKE ')).map((l) => JSON.parse(l.slice(5)) as { what: string; code?: number });
    // One signal — the graceful one — and the before-quit work finished: app.exit(0), not killed.
    expect(reports.filter((r) => r.what === 'signal'), `${stdout}\n${stderr}`).toHaveLength(1);
    expect(reports.filter((r) => r.what === 'app.exit')).toEqual([{ what: 'app.exit', code: 0 }]);
    expect(code).toBe(0);
  }, 90_000);

  it('where Electron has no runtime yet, tries to obtain it and says in one line why it could not', async () => {
    // No ELECTRON_OVERRIDE_DIST_PATH: node_modules/electron as npm install left it (no binary).
    // The mirror is a closed port on this machine, and the cache an empty directory.
    const closed = await closedPort();
    const cache = await mkdtemp(join(tmpdir(), 'sw-electron-cache-'));
    const state = await mkdtemp(join(tmpdir(), 'sw-state-'));
    cleanup.push(cache, state);
    const { stdout, stderr } = await npmStart(
      { ELECTRON_OVERRIDE_DIST_PATH: '', ELECTRON_SKIP_BINARY_DOWNLOAD: '', ELECTRON_MIRROR: `http://127.0.0.1:${closed}/`, electron_config_cache: cache, DISPLAY: ':99', STREAMWATCH_STATE_DIR: state },
      /Streamwatch console: http/,
    );
    const context = `${stdout}\n${stderr}`;
    expect(stdout, context).toMatch(/streamwatch: downloading the Electron [\d.]+ runtime/);
    const lines = stdout.split('\n').filter((l) => l.startsWith('streamwatch: not starting the Electron console'));
    expect(lines, context).toHaveLength(1);
    expect(lines[0]).toMatch(/: Electron [\d.]+ could not be downloaded \(.*ECONNREFUSED.*\); starting the web shell instead$/);
    expect(stdout).toMatch(/Streamwatch console: http:\/\/127\.0\.0\.1:\d+\/\?token=/);
  }, 90_000);

  it('falls back without trying when there is no display', async () => {
    const dist = await fakeElectronDir('echo "must not run" >&2; exit 1');
    const state = await mkdtemp(join(tmpdir(), 'sw-state-'));
    cleanup.push(state);
    const { stdout, stderr } = await npmStart({ ELECTRON_OVERRIDE_DIST_PATH: dist, DISPLAY: '', WAYLAND_DISPLAY: '', STREAMWATCH_STATE_DIR: state }, /Streamwatch console: http/);
    expect(stdout).toContain('streamwatch: not starting the Electron console: there is no display (DISPLAY and WAYLAND_DISPLAY are unset); starting the web shell instead');
    expect(stderr).not.toContain('must not run');
  }, 90_000);
});

describe.skipIf(process.platform === 'win32')('runElectron', () => {
  it('asks for the quit on stdin where a signal would terminate the app (the Windows path), and it quits cleanly', async () => {
    const dist = await fakeElectronDir(`exec "${process.execPath}" --import "${REGISTER}" "$@"`);
    const outDir = resolve(ROOT, 'dist', `main-run-${process.pid}`);
    const appData = await mkdtemp(join(tmpdir(), 'sw-appdata-'));
    cleanup.push(outDir, appData);
    await buildMain({ outDir, quiet: true });
    let stdout = '';
    let asked = false;
    const electron = runElectron({
      electronPath: join(dist, 'electron'),
      args: [join(outDir, 'main.js')],
      cwd: ROOT,
      env: { ...process.env, SW_FAKE_APPDATA: appData, SW_FAKE_STAY: '1', STREAMWATCH_STATE_DIR: '' },
      platform: 'win32',
      onStdout: (chunk) => {
        stdout += chunk.toString();
        if (!asked && stdout.includes('FAKE {"what":"staying"}')) {
          asked = true;
          electron.signal('SIGINT');
          electron.signal('SIGINT'); // the same Ctrl+C by another route: dropped
        }
      },
    });
    const outcome = await electron.outcome;
    const reports = stdout.split('\n').filter((l) => l.startsWith('FAKE ')).map((l) => JSON.parse(l.slice(5)) as { what: string; code?: number });
    expect(reports.filter((r) => r.what === 'signal'), stdout).toEqual([]);
    expect(reports.filter((r) => r.what === 'app.exit')).toEqual([{ what: 'app.exit', code: 0 }]);
    expect(outcome).toEqual({ action: 'exit', code: 0 });
  }, 90_000);
});

describe('signalFilter', () => {
  it('passes the first signal, drops repeats within a second, passes a later one', () => {
    let t = 0;
    const filter = signalFilter(() => t);
    expect(filter('SIGINT')).toBe('quit');
    t = 10;
    expect(filter('SIGINT')).toBe('drop');
    t = 900;
    expect(filter('SIGTERM')).toBe('drop');
    t = 1500;
    expect(filter('SIGINT')).toBe('again');
  });
});
