// The built artefacts: a preload that runs in a sandbox-like context with nothing but
// require('electron'), and a main bundle whose imports of core/ resolve from its directory.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { buildMain, buildPreload } from './build.js';
import { COMMAND_CHANNEL } from './channels.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
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
    // Roughly what a sandboxed renderer gives a preload: a require that knows 'electron', no Node globals.
    const sandbox = {
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
  });
});

describe('the main bundle', () => {
  it('imports core/ by paths that exist (as .ts, loaded through tsx) and only packages besides', async () => {
    // Same depth as dist/main, so the relative core/ paths are the real ones.
    const outDir = resolve(ROOT, 'dist', `main-test-${process.pid}`);
    cleanup.push(outDir);
    await buildMain({ outDir, quiet: true });
    expect(existsSync(join(outDir, 'main.js'))).toBe(true);
    expect(existsSync(join(outDir, 'preload.cjs'))).toBe(true);
    const app = await readFile(join(outDir, 'app.js'), 'utf8');
    const specifiers = [...app.matchAll(/^import [^'"]*["']([^'"]+)["']/gm)].map((m) => m[1]!);
    const relativeOnes = specifiers.filter((s) => s.startsWith('.'));
    expect(relativeOnes.length).toBeGreaterThan(0);
    for (const s of relativeOnes) {
      expect(s.startsWith('../../core/')).toBe(true);
      expect(existsSync(resolve(outDir, s.replace(/\.js$/, '.ts')))).toBe(true);
    }
    const main = await readFile(join(outDir, 'main.js'), 'utf8');
    expect(main.indexOf('tsx/esm/api')).toBeGreaterThanOrEqual(0);
    expect(main.indexOf('register()')).toBeLessThan(main.indexOf('import("./app.js")'));
    expect(dirname(outDir)).toBe(resolve(ROOT, 'dist'));
  });
});
