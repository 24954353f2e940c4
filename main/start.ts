// `npm start`: the Electron console on the embedded cluster. Where Electron cannot run (binary not
// downloaded, no display, or it dies before its window appears) it says why in one line and
// starts the web shell on the embedded cluster instead.
//   npm start                     Electron (or the web shell)
//   npm start -- --web            the web shell, even where Electron could run
//   npm start -- ARGS             further arguments go on to Electron
// `npm run broker` still runs the broker alone.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterElectron, parseStartArgs, planLaunch, type ElectronOutcome } from './electron/launch.js';
import { READY_MARKER } from './electron/launch-marker.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const MAIN_JS = fileURLToPath(new URL('../dist/main/main.js', import.meta.url));
const RENDERER_INDEX = fileURLToPath(new URL('../dist/renderer/index.html', import.meta.url));

function electronFacts(): { path: string } | { error: string } {
  try {
    // The electron package's main export is the binary's path; it throws when the binary is missing.
    const path: unknown = createRequire(import.meta.url)('electron');
    return typeof path === 'string' ? { path } : { error: 'the electron package did not give a path' };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

function hasScript(name: string): boolean {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts?: Record<string, string> };
  return pkg.scripts?.[name] !== undefined;
}

function run(command: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit', shell: process.platform === 'win32' });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

/** dist/renderer, built with `npm run build:renderer` when it is missing. */
async function ensureRenderer(): Promise<void> {
  if (existsSync(RENDERER_INDEX)) return;
  if (!hasScript('build:renderer')) {
    console.log('streamwatch: dist/renderer is missing and there is no build:renderer script; the window will be empty');
    return;
  }
  console.log('streamwatch: building the renderer (dist/renderer is missing)…');
  const code = await run('npm', ['run', '--silent', 'build:renderer']);
  if (code !== 0) throw new Error(`npm run build:renderer failed (exit code ${code})`);
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

/** SEAM: the web shell (main/web.ts) has not landed yet; until then the embedded cluster runs alone. */
async function startWebShellOnEmbedded(_args: string[]): Promise<void> {
  console.log('streamwatch: the web shell is not part of this build yet; running the embedded cluster alone');
  const { main } = await import('../core/broker/cli.js');
  await main([]);
}

let args: ReturnType<typeof parseStartArgs>;
try {
  args = parseStartArgs(process.argv.slice(2));
} catch (err) {
  console.error(`error: ${(err as Error).message}`);
  process.exit(2);
}

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
  const { buildMain } = await import('./electron/build.js');
  await buildMain({ quiet: true });
  await ensureRenderer();
  const outcome = await runElectron(plan.electronPath, args.rest);
  if (outcome.action === 'exit') process.exit(outcome.code);
  fallbackReason = outcome.reason;
} else {
  fallbackReason = plan.reason;
}
console.log(`streamwatch: not starting the Electron console: ${fallbackReason}; starting the web shell instead`);
await startWebShellOnEmbedded(args.rest);
