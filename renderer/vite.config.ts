// Builds the console into dist/renderer (relative asset paths, so the same files load from the
// web shell's HTTP server and from Electron's file:// URL). Run from the repository root:
//   vite build --config renderer/vite.config.ts
import { builtinModules } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig, type Plugin } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');
// What the renderer may import from core/: the API contract, and the zod set-up it needs first.
const contract = new Set([resolve(repo, 'core/session/api.ts'), resolve(repo, 'core/session/zod-jitless.ts')]);

/** A strict policy: no inline script, no eval; styles only from files (Vue and Chart.js set styles
 * through the CSSOM, which CSP allows). Injected at build time only: the dev server injects
 * <style> elements for hot reload. */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  // frame-ancestors is ignored in a <meta> policy; the Electron shell sends it as a header.
].join('; ');

function contentSecurityPolicy(): Plugin {
  return {
    name: 'streamwatch-csp',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP }, injectTo: 'head-prepend' }],
  };
}

/** The renderer talks only to the API contract: no Node module, nothing else from core/. */
function boundaries(): Plugin {
  const builtins = new Set(builtinModules);
  return {
    name: 'streamwatch-renderer-boundaries',
    enforce: 'pre',
    async resolveId(source, importer) {
      if (!importer || importer.includes('node_modules') || !importer.startsWith(here)) return null;
      const bare = source.replace(/^node:/, '');
      if (source.startsWith('node:') || builtins.has(bare)) {
        this.error(`renderer must not import Node modules: '${source}' in ${relative(repo, importer)}`);
      }
      if (source.startsWith('.') && source.includes('core/')) {
        const target = resolve(dirname(importer), source).replace(/\.js$/, '.ts');
        if (target.startsWith(resolve(repo, 'core')) && !contract.has(target)) {
          this.error(`renderer may import only core/session/api.ts (and zod-jitless.ts) from core/: '${source}' in ${relative(repo, importer)}`);
        }
      }
      return null;
    },
  };
}

export default defineConfig({
  root: here,
  base: './',
  plugins: [boundaries(), vue(), contentSecurityPolicy()],
  build: {
    outDir: resolve(repo, 'dist/renderer'),
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1200,
  },
  server: { fs: { allow: [repo] } },
});
