// `npm run build:main`: every JavaScript file the desktop app runs, bundled with esbuild into one
// flat directory, dist/main — plain ES modules, so nothing transpiles at run time (no tsx,
// TypeScript or esbuild in the packaged app). npm packages stay imports (electron-builder ships
// the production dependencies beside dist/, native ones unpacked from the asar).
//   main.js           Electron's entry: sets the app's identity, then imports electron-app.js
//   electron-app.js   the main process proper (main/electron/app.ts) with the core it uses
//   preload.cjs       ONE CommonJS file, everything bundled but 'electron' (sandboxed preload)
//   worker.js, app-*.js  the instance worker and each built-in app's entry (core/entry-modules.ts):
//                     bundles find each other beside their own location
//   broker.js         the embedded broker alone (`node dist/main/broker.js --help`)
import { build, type BuildOptions as EsbuildOptions } from 'esbuild';
import { mkdir, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENTRY_MODULES } from '../core/entry-modules.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const OUT_DIR = resolve(ROOT, 'dist/main');

/** Output name (without .js) → source, for every ESM bundle. */
export function esmEntryPoints(): Record<string, string> {
  const entries: Record<string, string> = {
    main: resolve(ROOT, 'main/electron/main.ts'),
    'electron-app': resolve(ROOT, 'main/electron/app.ts'),
    broker: resolve(ROOT, 'core/broker/cli.ts'),
  };
  for (const [name, entry] of Object.entries(ENTRY_MODULES)) {
    entries[name] = resolve(ROOT, 'core', 'bundleFrom' in entry ? entry.bundleFrom : entry.source);
  }
  return entries;
}

export interface BuildOptions {
  /** Default dist/main. */
  outDir?: string;
  quiet?: boolean;
}

export async function buildMain({ outDir = OUT_DIR, quiet = false }: BuildOptions = {}): Promise<void> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const common: EsbuildOptions = { bundle: true, sourcemap: 'linked', logLevel: quiet ? 'warning' : 'info' };
  await build({
    ...common,
    entryPoints: esmEntryPoints(),
    outdir: outDir,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    external: ['electron'],
    define: { __STREAMWATCH_BUNDLE__: 'true' },
  });
  await buildPreload(resolve(outDir, 'preload.cjs'), { quiet });
}

/** The sandboxed preload: one CommonJS file; its only require is 'electron'. */
export async function buildPreload(outfile: string, { quiet = false }: { quiet?: boolean } = {}): Promise<void> {
  await build({
    entryPoints: [resolve(ROOT, 'main/electron/preload.ts')],
    outfile,
    bundle: true,
    platform: 'browser',
    target: 'chrome130',
    format: 'cjs',
    minify: true,
    sourcemap: 'linked',
    external: ['electron'],
    logLevel: quiet ? 'warning' : 'info',
  });
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildMain();
}
