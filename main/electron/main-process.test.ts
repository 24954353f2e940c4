// The built main process, end to end under plain Node: dist/main/main.js with 'electron'
// resolved to a fake (testing/fake-electron.mjs) that loads the window and plays a renderer
// sending commands over the IPC channel against the real Session on the embedded cluster.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildMain } from '../build.js';
import { READY_MARKER } from './launch-marker.js';
import { CONTENT_SECURITY_POLICY } from './security.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REGISTER = fileURLToPath(new URL('./testing/register-fake-electron.mjs', import.meta.url));
const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

/** A build of dist/main of its own (same depth as dist/main) and an empty appData. */
async function freshBuild(tag: string): Promise<{ outDir: string; appData: string }> {
  const outDir = resolve(ROOT, 'dist', `main-${tag}-${process.pid}`);
  const appData = await mkdtemp(join(tmpdir(), 'sw-appdata-'));
  cleanup.push(outDir, appData);
  await buildMain({ outDir, quiet: true });
  return { outDir, appData };
}

interface Report {
  what: string;
  [key: string]: unknown;
}

const parseReports = (text: string): Report[] =>
  text
    .split('\n')
    .filter((l) => l.startsWith('FAKE '))
    .map((l) => JSON.parse(l.slice(5)) as Report);

/** `closeStdoutOn`: once stdout shows this, the reader goes away (npm start gone) — stdout breaks. */
function runMain(mainJs: string, env: Record<string, string>, closeStdoutOn?: string): Promise<{ code: number | null; stdout: string; stderr: string; reports: Report[] }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', REGISTER, mainJs], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (closeStdoutOn !== undefined && stdout.includes(closeStdoutOn)) child.stdout.destroy();
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr, reports: parseReports(stdout) });
    });
  });
}

describe('dist/main/main.js under a fake Electron', () => {
  it('opens the hardened window, serves commands on the one channel, refuses the rest, and quits cleanly', async () => {
    const { outDir, appData } = await freshBuild('e2e');
    const userData = join(appData, 'Streamwatch');

    const { code, stdout, stderr, reports } = await runMain(join(outDir, 'main.js'), { SW_FAKE_APPDATA: appData, STREAMWATCH_STATE_DIR: '' });
    const get = (what: string) => reports.filter((r) => r.what === what);
    const reply = (step: string) => get('reply').find((r) => r.step === step)?.reply as { ok?: boolean; result?: unknown; error?: { code?: string }; rejected?: string };
    const context = `stdout:\n${stdout}\nstderr:\n${stderr}`;

    expect(get('dialog.error'), context).toEqual([]);
    // Streamwatch's own name and userData (not Electron's default app's), before the lock.
    expect(get('app.requestSingleInstanceLock'), context).toEqual([{ what: 'app.requestSingleInstanceLock', name: 'Streamwatch', userData }]);
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
    const { outDir, appData } = await freshBuild('e2e2');
    const { code, stdout, reports } = await runMain(join(outDir, 'main.js'), { SW_FAKE_APPDATA: appData, SW_FAKE_SECOND_INSTANCE: '1' });
    expect(stdout).toContain('already running');
    expect(reports.filter((r) => r.what === 'window.created')).toEqual([]);
    expect(reports.filter((r) => r.what === 'ipc.handle')).toEqual([]);
    expect(code).toBe(0);
  }, 60_000);

  it('takes $STREAMWATCH_STATE_DIR as userData, so a test or e2e run has its own lock and state', async () => {
    const { outDir, appData } = await freshBuild('e2e3');
    const state = await mkdtemp(join(tmpdir(), 'sw-state-'));
    cleanup.push(state);
    const { reports } = await runMain(join(outDir, 'main.js'), { SW_FAKE_APPDATA: appData, STREAMWATCH_STATE_DIR: state, SW_FAKE_SECOND_INSTANCE: '1' });
    expect(reports.find((r) => r.what === 'app.requestSingleInstanceLock')).toMatchObject({ name: 'Streamwatch', userData: state });
  }, 60_000);

  it('exits 1 with the reason when the app cannot be loaded (a missing module), instead of lingering windowless', async () => {
    const { outDir, appData } = await freshBuild('e2e4');
    // What a packaged app missing a dependency looks like: the app bundle's import cannot resolve.
    const app = join(outDir, 'electron-app.js');
    await writeFile(app, `import 'streamwatch-no-such-package';\n${await readFile(app, 'utf8')}`);
    const { code, stderr, reports } = await runMain(join(outDir, 'main.js'), { SW_FAKE_APPDATA: appData });
    expect(stderr).toMatch(/streamwatch: could not load the main process:.*streamwatch-no-such-package/s);
    expect(reports.filter((r) => r.what === 'app.exit')).toEqual([{ what: 'app.exit', code: 1 }]);
    expect(reports.filter((r) => r.what === 'window.created')).toEqual([]);
    expect(code).toBe(1);
  }, 60_000);

  it('keeps running when its stdout breaks (npm start gone): no crash, a clean quit', async () => {
    const { outDir, appData } = await freshBuild('e2e5');
    const reportFile = join(appData, 'reports.txt');
    // stdout closes at the window's ready line; the fake user then goes on (and everything it
    // reports is also written to stdout, which now fails with EPIPE).
    const { code, stderr } = await runMain(join(outDir, 'main.js'), { SW_FAKE_APPDATA: appData, SW_FAKE_REPORT_FILE: reportFile }, READY_MARKER);
    const reports = parseReports(await readFile(reportFile, 'utf8'));
    expect(stderr).not.toMatch(/EPIPE|Uncaught|Unhandled/);
    expect(reports.find((r) => r.what === 'reply' && r.step === 'topics.list')).toBeDefined();
    expect(reports.filter((r) => r.what === 'app.exit')).toEqual([{ what: 'app.exit', code: 0 }]);
    expect(code).toBe(0);
  }, 60_000);
});
