// `npm run build:main`: the Electron main process and the preload, into dist/main.
//   dist/main/main.js     ESM entry: registers tsx, imports app.js
//   dist/main/app.js      ESM bundle of main/electron (imports of core/ stay external: the core
//                         ships as TypeScript next to dist/ and loads through tsx, like the
//                         supervisor's worker modules; npm packages stay external too)
//   dist/main/preload.cjs ONE CommonJS file, everything bundled but 'electron' (sandboxed preload)
// esbuild comes with tsx (a runtime dependency) and vite.
import { build, type Plugin } from 'esbuild';
import { mkdir, rm } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SRC = resolve(ROOT, 'main/electron');
export const OUT_DIR = resolve(ROOT, 'dist/main');
const CORE = resolve(ROOT, 'core') + sep;

/** Keeps imports of core/ as imports, re-pointed relative to the output directory. */
function coreExternal(outDir: string): Plugin {
  return {
    name: 'core-external',
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        const target = resolve(args.resolveDir, args.path);
        if (!target.startsWith(CORE)) return undefined;
        return { path: relative(outDir, target).split(sep).join('/'), external: true };
      });
    },
  };
}

export interface BuildOptions {
  /** Default dist/main. */
  outDir?: string;
  quiet?: boolean;
}

export async function buildMain({ outDir = OUT_DIR, quiet = false }: BuildOptions = {}): Promise<void> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const logLevel = quiet ? 'warning' : 'info';
  await build({
    entryPoints: { main: resolve(SRC, 'main.ts'), app: resolve(SRC, 'app.ts') },
    outdir: outDir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    sourcemap: 'linked',
    packages: 'external',
    external: ['electron', './app.js'],
    plugins: [coreExternal(outDir)],
    logLevel,
  });
  await buildPreload(resolve(outDir, 'preload.cjs'), { quiet });
}

/** The sandboxed preload: one CommonJS file; its only require is 'electron'. */
export async function buildPreload(outfile: string, { quiet = false }: { quiet?: boolean } = {}): Promise<void> {
  await build({
    entryPoints: [resolve(SRC, 'preload.ts')],
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
