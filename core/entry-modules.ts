// The modules loaded on their own at run time — the instance worker and each built-in app's
// instance entry — and where each one is. From the source tree (tsx, vitest) they are the
// sources; in a build (`npm run build`, main/build.ts) every bundle is emitted flat into one
// directory (dist/main), so whichever bundle asks finds the others beside its own location —
// in the packaged app as in a checkout. main/build.ts takes its entry points from this table.
import { fileURLToPath } from 'node:url';

/** Defined as `true` by main/build.ts in every bundle; undefined when the sources run. */
declare const __STREAMWATCH_BUNDLE__: boolean | undefined;

export interface EntryModule {
  /** Path under core/ of the module loaded at run time from the source tree. */
  source: string;
  /** Path under core/ of the module the bundle is built from, when it differs from `source`. */
  bundleFrom?: string;
}

export const ENTRY_MODULES = {
  // From the tree, the worker first registers tsx (bootstrap.mjs); a bundle needs no loader.
  worker: { source: 'supervisor/bootstrap.mjs', bundleFrom: 'supervisor/worker-entry.ts' },
  'app-bank-ledger': { source: 'apps/instances/bank-ledger.ts' },
  'app-word-count': { source: 'apps/instances/word-count.ts' },
  'app-passthrough': { source: 'apps/instances/passthrough.ts' },
} as const satisfies Record<string, EntryModule>;

export type EntryModuleName = keyof typeof ENTRY_MODULES;

export function isBundle(): boolean {
  return typeof __STREAMWATCH_BUNDLE__ !== 'undefined' && __STREAMWATCH_BUNDLE__;
}

/** The file URL of an entry module, for `new Worker(url)` or `import(url)`. */
export function entryModuleUrl(name: EntryModuleName): URL {
  return isBundle() ? new URL(`./${name}.js`, import.meta.url) : new URL(`./${ENTRY_MODULES[name].source}`, import.meta.url);
}

export function entryModulePath(name: EntryModuleName): string {
  return fileURLToPath(entryModuleUrl(name));
}
