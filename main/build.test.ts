// The built artefacts: a preload that runs in a sandbox-like context with nothing but
// require('electron') (and no eval), and ESM bundles that import nothing but Node's built-ins,
// electron and the production dependencies — never a source file, tsx or TypeScript.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { ENTRY_MODULES } from '../core/entry-modules.js';
import { buildMain, buildPreload } from './build.js';
import { COMMAND_CHANNEL } from './electron/channels.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

describe('the preload bundle', () => {
  it('is one CommonJS script that requires only electron and exposes command + onEvent', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sw-preload-'));
    cleanup.push(dir);
    const file = join(dir, 'preload.cjs');
    await buildPreload(file, { quiet: true });
    const code = await readFile(file, 'utf8');

    const required: string[] = [];
    const exposed: Record<string, unknown> = {};
    const invokes: unknown[][] = [];
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
      ipcRenderer: {
        invoke: async (...args: unknown[]) => {
          invokes.push(args);
          return { ok: true, result: { topics: [] } };
        },
        on: () => undefined,
        removeListener: () => undefined,
      },
    };
    // Under the window's CSP, `new Function` is refused (and reported as a violation even when the
    // throw is caught): the preload must never try it — zod is made jitless before any schema exists.
    const evalAttempts: string[] = [];
    const RefusedFunction = function (...args: unknown[]) {
      evalAttempts.push(String(args.at(-1)));
      throw new EvalError('Refused to evaluate a string as JavaScript (CSP)');
    };
    // Roughly what a sandboxed renderer gives a preload: a require that knows 'electron', no Node globals.
    const sandbox = {
      Function: RefusedFunction,
      require: (id: string) => {
        required.push(id);
        if (id !== 'electron') throw new Error(`sandboxed preload cannot require '${id}'`);
        return electron;
      },
      module: { exports: {} },
      exports: {},
      console,
    };
    vm.runInNewContext(code, sandbox, { filename: file });

    expect(required).toEqual(['electron']);
    expect(Object.keys(exposed)).toEqual(['streamwatch']);
    const api = exposed.streamwatch as { command: (n: string, a: unknown) => Promise<unknown> };
    expect(Object.keys(api).sort()).toEqual(['command', 'onEvent']);
    await expect(api.command('topics.list', {})).resolves.toEqual({ topics: [] });
    expect(invokes).toEqual([[COMMAND_CHANNEL, { command: 'topics.list', args: {} }]]);
    expect(evalAttempts).toEqual([]);
  });
});

describe('the ESM bundles', () => {
  it('are plain JavaScript importing only node: built-ins, electron and production dependencies', async () => {
    const outDir = resolve(ROOT, 'dist', `main-test-${process.pid}`);
    cleanup.push(outDir);
    await buildMain({ outDir, quiet: true });
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const production = new Set(Object.keys(pkg.dependencies));
    const bundles = ['main', 'electron-app', 'broker', ...Object.keys(ENTRY_MODULES)];
    for (const name of bundles) {
      const code = await readFile(join(outDir, `${name}.js`), 'utf8');
      const specifiers = [
        ...[...code.matchAll(/^\s*import\s[^'"]*?["']([^'"]+)["']/gm)].map((m) => m[1]!),
        ...[...code.matchAll(/\bimport\(\s*["']([^'"]+)["']\s*\)/g)].map((m) => m[1]!),
        ...[...code.matchAll(/^\s*export\s[^'"]*?\sfrom\s["']([^'"]+)["']/gm)].map((m) => m[1]!),
      ];
      for (const s of specifiers) {
        if (s.startsWith('node:') || s === 'electron') continue;
        const pkgName = s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!;
        expect(production.has(pkgName), `${name}.js imports '${s}', not a production dependency`).toBe(true);
      }
      expect(code, `${name}.js mentions tsx`).not.toMatch(/["']tsx(\/[^'"]*)?["']/);
    }
    // main.js reaches the rest of the app only through the guarded run-time import.
    const main = await readFile(join(outDir, 'main.js'), 'utf8');
    expect(main).toContain('./electron-app.js');
    expect(main.indexOf('setPath')).toBeLessThan(main.indexOf('./electron-app.js'));
    expect(dirname(outDir)).toBe(resolve(ROOT, 'dist'));
  });
});
