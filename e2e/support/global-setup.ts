// Before any journey: a browser for the web journeys (support/browser.ts — one line says which
// and why; where none runs, one line says what to install, and the run fails), the renderer
// built (dist/renderer), and for the Electron project the main process too (dist/main). Built
// when missing — or older than its sources, so a journey never runs against a stale console.
// The shells themselves start per test (support/fixtures.ts), each on its own session and state
// directory.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { browserForJourneys, describeChoice } from './browser.js';
import { electronAvailability } from './electron.js';

const ROOT = join(import.meta.dirname, '..', '..');

function newest(dir: string): number {
  let ms = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) ms = Math.max(ms, newest(path));
    else if (!entry.name.includes('.test.')) ms = Math.max(ms, statSync(path).mtimeMs);
  }
  return ms;
}

function mtime(path: string): number | null {
  return existsSync(path) ? statSync(path).mtimeMs : null;
}

function npmRun(script: string): void {
  process.stdout.write(`e2e: npm run ${script}\n`);
  execFileSync('npm', ['run', '-s', script], { cwd: ROOT, stdio: 'inherit' });
}

export default function globalSetup(): void {
  const browser = browserForJourneys();
  if (!browser.ok) {
    // One line, without a stack: the message is the whole story.
    const error = new Error(browser.message);
    error.stack = browser.message;
    throw error;
  }
  process.stdout.write(`${describeChoice(browser)}\n`);

  const index = mtime(join(ROOT, 'dist/renderer/index.html'));
  const sources = Math.max(newest(join(ROOT, 'renderer/src')), statSync(join(ROOT, 'renderer/index.html')).mtimeMs, statSync(join(ROOT, 'core/session/api.ts')).mtimeMs);
  if (index === null || index < sources) npmRun('build:renderer');

  if (electronAvailability().ok) {
    const main = mtime(join(ROOT, 'dist/main/main.js'));
    if (main === null || main < newest(join(ROOT, 'main/electron'))) npmRun('build:main');
  }
}
