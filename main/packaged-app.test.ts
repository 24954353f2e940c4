// The packaged app, as electron-builder.yml lays it out, started under the Electron stand-in
// (testing/fake-electron.mjs) on whatever Node runs this test (CI runs it on Node 20 and on
// Node 24, Electron 41's): `npm run build`'s outputs, only the files electron-builder.yml ships,
// package.json with its extraMetadata, and the production dependencies alone — no tsx, no
// TypeScript, no esbuild. The stand-in's user starts one instance of each built-in app, so the
// worker threads run from the bundled entries.
import { execFile, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildMain } from './build.js';
import { READY_MARKER } from './electron/launch-marker.js';
import { CONTENT_SECURITY_POLICY } from './electron/security.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const REGISTER = fileURLToPath(new URL('./electron/testing/register-fake-electron.mjs', import.meta.url));
const require = createRequire(import.meta.url);
const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

interface BuilderConfig {
  extraMetadata?: Record<string, unknown>;
  files?: { filter?: string[] }[];
}

async function builderConfig(): Promise<BuilderConfig> {
  const { getConfig } = require('app-builder-lib/out/util/config/config.js') as { getConfig(dir: string, path: string | null, options: null): Promise<BuilderConfig> };
  return getConfig(ROOT, null, null);
}

async function listFiles(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path, base)));
    else out.push(relative(base, path).split(sep).join('/'));
  }
  return out;
}

/** electron-builder's `files`: patterns in order, `!` excludes (as its FileMatcher applies them). */
function shipped(files: readonly string[], patterns: readonly string[]): string[] {
  const { minimatch } = require('minimatch') as { minimatch(path: string, pattern: string, options?: { dot?: boolean }): boolean };
  return files.filter((file) => {
    let included = false;
    for (const pattern of patterns) {
      if (pattern.startsWith('!')) {
        if (minimatch(file, pattern.slice(1), { dot: true })) included = false;
      } else if (minimatch(file, pattern, { dot: true })) included = true;
    }
    return included;
  });
}

/** The production dependency tree, as npm sees it: paths relative to the repository. */
async function productionPackages(): Promise<string[]> {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const { stdout } = await promisify(execFile)(npm, ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && l !== ROOT.replace(/[\\/]$/, ''))
    .map((l) => relative(ROOT, l));
}

/** Stage what `npm run build` makes into `project/`, then lay out the packaged app in `app/`. */
async function packagedLayout(root: string): Promise<string> {
  const project = join(root, 'project');
  await buildMain({ outDir: join(project, 'dist/main'), quiet: true });
  const { build } = (await import('vite')) as typeof import('vite');
  await build({ configFile: join(ROOT, 'renderer/vite.config.ts'), logLevel: 'error', build: { outDir: join(project, 'dist/renderer'), emptyOutDir: true } });
  await cp(join(ROOT, 'package.json'), join(project, 'package.json'));
  // Sources beside the build, as in a checkout: electron-builder.yml must not ship them.
  await cp(join(ROOT, 'core/entry-modules.ts'), join(project, 'core/entry-modules.ts'));

  const config = await builderConfig();
  const patterns = config.files?.flatMap((f) => f.filter ?? []) ?? [];
  const app = join(root, 'app');
  for (const file of shipped(await listFiles(project), patterns)) {
    await mkdir(dirname(join(app, file)), { recursive: true });
    await cp(join(project, file), join(app, file));
  }
  const pkg = { ...(JSON.parse(await readFile(join(app, 'package.json'), 'utf8')) as Record<string, unknown>), ...config.extraMetadata };
  await writeFile(join(app, 'package.json'), JSON.stringify(pkg, null, 2));
  for (const dep of await productionPackages()) {
    // Each package without its nested node_modules: npm lists the production ones among those too.
    await cp(join(ROOT, dep), join(app, dep), { recursive: true, filter: (src) => !relative(join(ROOT, dep), src).split(sep).includes('node_modules') });
  }
  return app;
}

interface Report {
  what: string;
  [key: string]: unknown;
}

function runStandIn(app: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string; readyMs: number | null }> {
  return new Promise((resolve, reject) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    delete childEnv.NODE_OPTIONS; // nothing of the test runner's loaders
    const started = performance.now();
    let readyMs: number | null = null;
    const child = spawn(process.execPath, ['--import', REGISTER, join(app, 'dist/main/main.js')], { cwd: app, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (readyMs === null && stdout.includes(READY_MARKER)) readyMs = performance.now() - started;
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, readyMs });
    });
  });
}

describe('the packaged app (electron-builder.yml layout) under the Electron stand-in', () => {
  it(`starts from plain JavaScript on Node ${process.versions.node} and runs every built-in app as a worker thread`, async () => {
    const root = await mkdtemp(join(tmpdir(), 'sw-packaged-'));
    cleanup.push(root);
    const app = await packagedLayout(root);

    // Only the build and the production dependencies: no sources, no run-time transpiler.
    const files = await listFiles(join(app, 'dist'));
    expect(files.some((f) => f.endsWith('.ts') || f.endsWith('.map'))).toBe(false);
    expect(existsSync(join(app, 'core'))).toBe(false);
    for (const dev of ['tsx', 'typescript', 'esbuild', 'vite', 'vue', 'electron']) expect(existsSync(join(app, 'node_modules', dev)), dev).toBe(false);
    expect(existsSync(join(app, 'node_modules/kafkajs/package.json'))).toBe(true);
    expect((JSON.parse(await readFile(join(app, 'package.json'), 'utf8')) as { main?: string }).main).toBe('dist/main/main.js');

    const appData = join(root, 'appdata');
    const { code, stdout, stderr, readyMs } = await runStandIn(app, { SW_FAKE_APPDATA: appData, SW_FAKE_SCRIPT: 'apps', STREAMWATCH_STATE_DIR: '' });
    const reports = stdout
      .split('\n')
      .filter((l) => l.startsWith('FAKE '))
      .map((l) => JSON.parse(l.slice(5)) as Report);
    const get = (what: string) => reports.filter((r) => r.what === what);
    const context = `stdout:\n${stdout.slice(-6000)}\nstderr:\n${stderr.slice(-6000)}`;
    console.log(`packaged app under the stand-in on Node ${process.versions.node}: window ready after ${readyMs?.toFixed(0)} ms`);

    expect(get('error'), context).toEqual([]);
    const loaded = get('window.loaded')[0];
    expect(loaded, context).toMatchObject({ url: 'app://streamwatch/index.html', status: 200, csp: CONTENT_SECURITY_POLICY });
    expect(get('reply').find((r) => r.step === 'useEmbedded')?.reply, context).toMatchObject({ ok: true });

    const started = get('apps.started')[0] as { apps: string[]; ids: string[] } | undefined;
    expect(started?.apps, context).toEqual(['bank-ledger', 'word-count', 'passthrough']);
    const running = (get('apps.running')[0]?.instances ?? []) as { app: string; state: string; streamsState: string | null; lastError: string | null }[];
    expect(running.map((i) => [i.app, i.state, i.streamsState, i.lastError]), context).toEqual([
      ['bank-ledger', 'running', 'RUNNING', null],
      ['word-count', 'running', 'RUNNING', null],
      ['passthrough', 'running', 'RUNNING', null],
    ]);
    const stopped = (get('apps.stopped')[0]?.instances ?? []) as { state: string }[];
    expect(stopped.map((i) => i.state), context).toEqual(['stopped', 'stopped', 'stopped']);
    expect(get('app.exit'), context).toEqual([{ what: 'app.exit', code: 0 }]);
    expect(code).toBe(0);
  }, 240_000);
});
