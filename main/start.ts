// `npm start`: the Electron console on the embedded cluster. Where Electron cannot run (binary not
// downloaded, no display, or it dies before its window appears) it says why in one line and
// starts the web shell on the embedded cluster instead.
//   npm start                     Electron (or the web shell)
//   npm start -- --web            the web shell, even where Electron could run
//   npm start -- --port 8080      options after -- go to Electron, or to the web shell (see
//                                 `npm run web -- --help`: --port, --state-dir, --bootstrap …)
// `npm run broker` still runs the broker alone.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterElectron, buildIsStale, parseStartArgs, planLaunch, type ElectronOutcome } from './electron/launch.js';
import { READY_MARKER } from './electron/launch-marker.js';
import { ensureRenderer } from './renderer-build.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const MAIN_JS = fileURLToPath(new URL('../dist/main/main.js', import.meta.url));

function electronFacts(): { path: string } | { error: string } {
  try {
    // The electron package's main export is the binary's path; it throws when the binary is missing.
    const path: unknown = createRequire(import.meta.url)('electron');
    return typeof path === 'string' ? { path } : { error: 'the electron package did not give a path' };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

function mtime(file: string): number | null {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return null;
  }
}

/** dist/main is built from main/electron (and the API contract bundled into the preload). */
function mainBuildIsStale(): boolean {
  const electronDir = fileURLToPath(new URL('./electron/', import.meta.url));
  const sources = readdirSync(electronDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => join(electronDir, f));
  sources.push(fileURLToPath(new URL('../core/session/api.ts', import.meta.url)));
  const newest = Math.max(...sources.map((f) => mtime(f) ?? 0));
  const outDir = fileURLToPath(new URL('../dist/main/', import.meta.url));
  return buildIsStale(newest, ['main.js', 'app.js', 'preload.cjs'].map((f) => mtime(join(outDir, f))));
}

function runElectron(electronPath: string, args: string[]): Promise<ElectronOutcome> {
  return new Promise((resolve) => {
    const env = { ...process.env };
    delete env.ELECTRON_RUN_AS_NODE;
    const child = spawn(electronPath, [MAIN_JS, ...args], { cwd: ROOT, env, stdio: ['inherit', 'pipe', 'inherit'] });
    let windowShown = false;
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      if (windowShown) return;
      pending = (pending + chunk.toString('utf8')).slice(-4096);
      if (pending.includes(READY_MARKER)) windowShown = true;
    });
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    const onInt = forward('SIGINT');
    const onTerm = forward('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    let settled = false;
    const done = (outcome: ElectronOutcome) => {
      if (settled) return;
      settled = true;
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(outcome);
    };
    child.once('error', (err) => done(afterElectron({ spawnError: err.message, code: null, signal: null, windowShown })));
    child.once('exit', (code, signal) => done(afterElectron({ code, signal, windowShown })));
  });
}

/** The web shell on the embedded cluster: `npm run web` (main/web.ts), which prints the URL to open. */
async function startWebShell(args: string[]): Promise<void> {
  const web = await import('./web.js');
  await web.main(args);
}

const args = parseStartArgs(process.argv.slice(2));

const electron = electronFacts();
const plan = planLaunch({
  electron,
  electronExists: 'path' in electron && existsSync(electron.path),
  platform: process.platform,
  env: process.env,
  forceWeb: args.forceWeb,
});

let fallbackReason: string;
if (plan.mode === 'electron') {
  if (mainBuildIsStale()) {
    const { buildMain } = await import('./electron/build.js');
    await buildMain({ quiet: true });
  }
  await ensureRenderer();
  const outcome = await runElectron(plan.electronPath, args.rest);
  if (outcome.action === 'exit') process.exit(outcome.code);
  fallbackReason = outcome.reason;
} else {
  fallbackReason = plan.reason;
}
console.log(`streamwatch: not starting the Electron console: ${fallbackReason}; starting the web shell instead`);
await startWebShell(args.rest);
