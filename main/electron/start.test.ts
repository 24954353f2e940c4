// `npm start` (main/start.ts) end to end, with the electron package pointed at a stand-in binary
// (ELECTRON_OVERRIDE_DIST_PATH, which the package itself honours): one that runs the built main
// process under the fake Electron, and one that dies at once, which must bring up the web shell.
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { READY_MARKER } from './launch-marker.js';

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

function npmStart(env: Record<string, string>, until?: RegExp): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TSX, 'main/start.ts'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let stopping = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (until !== undefined && !stopping && until.test(stdout)) {
        stopping = true;
        child.kill('SIGINT');
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

describe.skipIf(process.platform === 'win32')('npm start', () => {
  it('builds dist/main and runs Electron on it when Electron can run', async () => {
    const dist = await fakeElectronDir(`exec "${process.execPath}" --import "${REGISTER}" "$@"`);
    const state = await mkdtemp(join(tmpdir(), 'sw-state-'));
    cleanup.push(state);
    const { code, stdout, stderr } = await npmStart({ ELECTRON_OVERRIDE_DIST_PATH: dist, DISPLAY: ':99', SW_FAKE_USERDATA: state, STREAMWATCH_STATE_DIR: state });
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

  it('falls back without trying when there is no display', async () => {
    const dist = await fakeElectronDir('echo "must not run" >&2; exit 1');
    const state = await mkdtemp(join(tmpdir(), 'sw-state-'));
    cleanup.push(state);
    const { stdout, stderr } = await npmStart({ ELECTRON_OVERRIDE_DIST_PATH: dist, DISPLAY: '', WAYLAND_DISPLAY: '', STREAMWATCH_STATE_DIR: state }, /Streamwatch console: http/);
    expect(stdout).toContain('streamwatch: not starting the Electron console: there is no display (DISPLAY and WAYLAND_DISPLAY are unset); starting the web shell instead');
    expect(stderr).not.toContain('must not run');
  }, 90_000);
});
