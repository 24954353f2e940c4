// `npm start`: the Electron console on the embedded cluster. The first start obtains the Electron
// runtime (npm install does not download it: electron-runtime.ts). Where Electron cannot run (the
// runtime cannot be had, no display, or it dies before its window appears) it says why in one
// line and starts the web shell on the embedded cluster instead.
//   npm start                     Electron (or the web shell)
//   npm start -- --web            the web shell, even where Electron could run
//   npm start -- --port 8080      options after -- go to Electron, or to the web shell (see
//                                 `npm run web -- --help`: --port, --state-dir, --bootstrap …)
// `npm run broker` still runs the broker alone.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { buildIsStale, parseStartArgs, planLaunch, type LaunchPlan } from './electron/launch.js';
import { installElectronRuntime } from './electron/electron-runtime.js';
import { runElectron } from './electron/run-electron.js';
import { ensureRenderer } from './renderer-build.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const MAIN_JS = fileURLToPath(new URL('../dist/main/main.js', import.meta.url));
const require = createRequire(import.meta.url);

function electronFacts(): { path: string } | { error: string } {
  try {
    // The electron package's main export is the binary's path; it throws when the binary is missing.
    const path: unknown = require('electron');
    return typeof path === 'string' ? { path } : { error: 'the electron package did not give a path' };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

function electronPackageJson(): string | null {
  try {
    return require.resolve('electron/package.json');
  } catch {
    return null;
  }
}

function mtime(file: string): number | null {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return null;
  }
}

/** The newest source of what main/build.ts bundles: main/, core/ (tests aside). */
function newestSourceMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMs(path));
    else if (/\.(ts|mjs)$/.test(entry.name) && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, mtime(path) ?? 0);
  }
  return newest;
}

function mainBuildIsStale(): boolean {
  const newest = Math.max(newestSourceMs(join(ROOT, 'main')), newestSourceMs(join(ROOT, 'core')));
  const outDir = join(ROOT, 'dist/main');
  return buildIsStale(newest, ['main.js', 'electron-app.js', 'preload.cjs', 'worker.js'].map((f) => mtime(join(outDir, f))));
}

function plan(forceWeb: boolean, installTried: boolean): LaunchPlan {
  const electron = electronFacts();
  return planLaunch({
    electron,
    electronExists: 'path' in electron && existsSync(electron.path),
    electronPackage: electronPackageJson() !== null,
    installTried,
    platform: process.platform,
    env: process.env,
    forceWeb,
  });
}

/** The web shell on the embedded cluster: `npm run web` (main/web.ts), which prints the URL to open. */
async function startWebShell(args: string[]): Promise<void> {
  const web = await import('./web.js');
  await web.main(args);
}

const args = parseStartArgs(process.argv.slice(2));

let launch = plan(args.forceWeb, false);
let fallbackReason: string | null = null;
if (launch.mode === 'install') {
  const installed = await installElectronRuntime({ electronPackageJson: electronPackageJson()!, onProgress: (line) => console.log(line) });
  launch = installed.ok ? plan(args.forceWeb, true) : { mode: 'web', reason: installed.reason };
}
if (launch.mode === 'electron') {
  if (mainBuildIsStale()) {
    const { buildMain } = await import('./build.js');
    await buildMain({ quiet: true });
  }
  await ensureRenderer();
  const electron = runElectron({
    electronPath: launch.electronPath,
    args: [MAIN_JS, ...args.rest],
    cwd: ROOT,
    env: process.env,
    onStdout: (chunk) => process.stdout.write(chunk),
  });
  const forward = (signal: NodeJS.Signals) => (): void => electron.signal(signal);
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((signal) => [signal, forward(signal)] as const);
  for (const [signal, handler] of handlers) process.on(signal, handler);
  const outcome = await electron.outcome;
  for (const [signal, handler] of handlers) process.off(signal, handler);
  if (outcome.action === 'exit') process.exit(outcome.code);
  fallbackReason = outcome.reason;
} else if (launch.mode === 'web') {
  fallbackReason = launch.reason;
}
console.log(`streamwatch: not starting the Electron console: ${fallbackReason ?? 'it could not be obtained'}; starting the web shell instead`);
await startWebShell(args.rest);
