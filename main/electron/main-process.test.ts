// The built main process, end to end under plain Node: dist/main/main.js with 'electron'
// resolved to a fake (testing/fake-electron.mjs) that loads the window and plays a renderer
// sending commands over the IPC channel against the real Session on the embedded cluster.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildMain } from './build.js';
import { READY_MARKER } from './launch-marker.js';
import { CONTENT_SECURITY_POLICY } from './security.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REGISTER = fileURLToPath(new URL('./testing/register-fake-electron.mjs', import.meta.url));
const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

interface Report {
  what: string;
  [key: string]: unknown;
}

function runMain(mainJs: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string; reports: Report[] }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', REGISTER, mainJs], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const reports = stdout
        .split('\n')
        .filter((l) => l.startsWith('FAKE '))
        .map((l) => JSON.parse(l.slice(5)) as Report);
      resolvePromise({ code, stdout, stderr, reports });
    });
  });
}

describe('dist/main/main.js under a fake Electron', () => {
  it('opens the hardened window, serves commands on the one channel, refuses the rest, and quits cleanly', async () => {
    const outDir = resolve(ROOT, 'dist', `main-e2e-${process.pid}`);
    const userData = await mkdtemp(join(tmpdir(), 'sw-userdata-'));
    cleanup.push(outDir, userData);
    await buildMain({ outDir, quiet: true });

    const { code, stdout, stderr, reports } = await runMain(join(outDir, 'main.js'), { SW_FAKE_USERDATA: userData, STREAMWATCH_STATE_DIR: '' });
    const get = (what: string) => reports.filter((r) => r.what === what);
    const reply = (step: string) => get('reply').find((r) => r.step === step)?.reply as { ok?: boolean; result?: unknown; error?: { code?: string }; rejected?: string };
    const context = `stdout:\n${stdout}\nstderr:\n${stderr}`;

    expect(get('dialog.error'), context).toEqual([]);
    expect(get('app.enableSandbox')).toHaveLength(1);
    expect(get('protocol.privileged')[0]?.schemes).toEqual(['app']);
    expect(get('ipc.handle').map((r) => r.channel)).toEqual(['streamwatch:command']);
    expect(get('window.created')[0]?.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(String((get('window.created')[0]?.webPreferences as { preload: string }).preload)).toBe(join(outDir, 'preload.cjs'));
    const loaded = get('window.loaded')[0]!;
    expect(loaded.url).toBe('app://streamwatch/index.html');
    if (existsSync(join(ROOT, 'dist/renderer/index.html'))) {
      expect(loaded.status).toBe(200);
      expect(loaded.csp).toBe(CONTENT_SECURITY_POLICY);
    } else expect(loaded.status).toBe(404);
    expect(stdout).toContain(READY_MARKER);
    expect(get('menu')[0]?.labels).toEqual(['&File', '&Edit', '&View', '&Help']);

    expect(reply('useEmbedded'), context).toMatchObject({ ok: true, result: { bootstrap: expect.stringMatching(/^127\.0\.0\.1:\d+$/) } });
    expect(reply('topics.create'), context).toMatchObject({ ok: true });
    expect((reply('topics.list').result as { topics: { name: string }[] }).topics.map((t) => t.name)).toContain('fake-electron');
    expect(reply('unknown-channel').rejected).toMatch(/No handler registered/);
    expect(reply('bad-args')).toMatchObject({ ok: false, error: { code: 'BAD_ARGS' } });
    expect(reply('untrusted')).toMatchObject({ ok: false, error: { code: 'UNTRUSTED_SENDER' } });
    expect(reply('saveProfile'), context).toMatchObject({ ok: true });
    const secrets = JSON.parse(await readFile(join(userData, 'profile-secrets.json'), 'utf8')) as { secrets: Record<string, string> };
    expect(Buffer.from(secrets.secrets.p!, 'base64').toString()).toBe('enc:pw');
    expect(get('events')[0]?.channels).toEqual(['streamwatch:event']);
    expect(get('events')[0]?.types).toEqual(expect.arrayContaining(['embedded.status', 'cluster.status']));

    expect(get('app.exit').at(-1)?.code, context).toBe(0);
    expect(code).toBe(0);
  }, 60_000);

  it('hands over to the running instance when the single-instance lock is taken', async () => {
    const outDir = resolve(ROOT, 'dist', `main-e2e2-${process.pid}`);
    const userData = await mkdtemp(join(tmpdir(), 'sw-userdata-'));
    cleanup.push(outDir, userData);
    await buildMain({ outDir, quiet: true });
    const { code, stdout, reports } = await runMain(join(outDir, 'main.js'), { SW_FAKE_USERDATA: userData, SW_FAKE_SECOND_INSTANCE: '1' });
    expect(stdout).toContain('already running');
    expect(reports.filter((r) => r.what === 'window.created')).toEqual([]);
    expect(reports.filter((r) => r.what === 'ipc.handle')).toEqual([]);
    expect(code).toBe(0);
  }, 60_000);
});
