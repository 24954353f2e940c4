// The `app` fixture: a console page on a fresh session, torn down after the test.
//  - web: e2e/support/serve.ts as a child process (a Session + startWebShell on 127.0.0.1, its
//    own state directory, not connected), then Chromium (the `page` fixture) on the printed URL.
//  - electron: dist/main/main.js through Playwright's _electron.launch, with
//    STREAMWATCH_STATE_DIR pointing at a fresh directory; the main process connects to the
//    embedded cluster by itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron, test as base, type ElectronApplication, type Page, type TestInfo } from '@playwright/test';
import { electronAvailability } from './electron.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const ARTIFACTS = join(ROOT, 'e2e', 'artifacts');

export interface ConsoleApp {
  kind: 'web' | 'electron';
  page: Page;
  /** Where the journey's screenshots go: e2e/artifacts/<prefix><view>.png. */
  screenshotPrefix: string;
}

interface WebShellChild {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts e2e/support/serve.ts and waits for "Streamwatch console: <url>". */
async function startShell(stateDir: string, logPath: string): Promise<WebShellChild> {
  const log = createWriteStream(logPath);
  const child = spawn(process.execPath, ['--import', 'tsx', 'e2e/support/serve.ts', '--state-dir', stateDir], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  child.stderr!.pipe(log);
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the web shell printed no URL within 60 s:\n${out}`)), 60_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the web shell exited (${signal ?? code}) before printing its URL:\n${out}`));
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      log.write(chunk);
      out += chunk.toString();
      const m = /Streamwatch console: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  child.removeAllListeners('exit');
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    url,
    child,
    async stop() {
      // SIGTERM: the shell closes the session (instances, load, monitor, embedded broker).
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const done = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 25_000))]);
      if (!done) {
        child.kill('SIGKILL');
        await exited;
      }
      log.end();
    },
  };
}

async function attachLog(testInfo: TestInfo, name: string, path: string): Promise<void> {
  await testInfo.attach(name, { path, contentType: 'text/plain' }).catch(() => {});
}

export const test = base.extend<{ app: ConsoleApp }>({
  app: async ({ page }, use, testInfo) => {
    const stateDir = mkdtempSync(join(tmpdir(), 'streamwatch-e2e-'));
    const logPath = testInfo.outputPath('web-shell.log');
    const shell = await startShell(stateDir, logPath);
    try {
      await page.goto(shell.url);
      await use({ kind: 'web', page, screenshotPrefix: '' });
    } finally {
      await page.close().catch(() => {});
      await shell.stop();
      await attachLog(testInfo, 'web-shell.log', logPath);
      rmSync(stateDir, { recursive: true, force: true });
    }
  },
});

/** The Electron project's test: the same `app`, from the Electron main process and its window. */
export const electronTest = base.extend<{ app: ConsoleApp }>({
  app: async ({}, use, testInfo) => {
    const electron = electronAvailability();
    if (!electron.ok) throw new Error(`Electron cannot run here: ${electron.reason}`);
    const stateDir = mkdtempSync(join(tmpdir(), 'streamwatch-e2e-electron-'));
    const args = [join(ROOT, 'dist/main/main.js')];
    // Chromium refuses to run as root with its sandbox on.
    if (process.getuid?.() === 0) args.unshift('--no-sandbox');
    let app: ElectronApplication | null = null;
    try {
      app = await _electron.launch({
        executablePath: electron.path,
        args,
        cwd: ROOT,
        env: { ...process.env, STREAMWATCH_STATE_DIR: stateDir } as Record<string, string>,
        timeout: 60_000,
      });
      await app.context().tracing.start({ screenshots: true, snapshots: true });
      const page = await app.firstWindow();
      await use({ kind: 'electron', page, screenshotPrefix: 'electron-' });
    } finally {
      if (app !== null) {
        const failed = testInfo.status !== testInfo.expectedStatus;
        await app
          .context()
          .tracing.stop(failed ? { path: testInfo.outputPath('trace.zip') } : {})
          .catch(() => {});
        await app.close().catch(() => {});
      }
      rmSync(stateDir, { recursive: true, force: true });
    }
  },
});

export { expect } from '@playwright/test';
