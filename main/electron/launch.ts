// `npm start` decides between the Electron console and the web shell. Pure functions, so the
// decision is tested without Electron; main/start.ts gathers the facts and acts on the verdict.

export type LaunchPlan =
  | { mode: 'electron'; electronPath: string }
  /** The electron package is there but its runtime was never downloaded: npm start fetches it. */
  | { mode: 'install' }
  | { mode: 'web'; reason: string };

export interface LaunchFacts {
  /** What require('electron') gave: the binary's path, or the error it threw. */
  electron: { path: string } | { error: string };
  /** Whether that path exists on disk. */
  electronExists: boolean;
  platform: NodeJS.Platform;
  env: Readonly<Record<string, string | undefined>>;
  /** `npm start -- --web` */
  forceWeb: boolean;
  /** Whether the electron npm package itself is installed (its runtime may still be missing). */
  electronPackage?: boolean;
  /** Whether npm start already tried to obtain the runtime in this run. */
  installTried?: boolean;
}

export function planLaunch(facts: LaunchFacts): LaunchPlan {
  if (facts.forceWeb) return { mode: 'web', reason: 'the web shell was asked for (--web)' };
  if (facts.env.ELECTRON_RUN_AS_NODE !== undefined && facts.env.ELECTRON_RUN_AS_NODE !== '') {
    return { mode: 'web', reason: 'ELECTRON_RUN_AS_NODE is set, so Electron would run as plain Node' };
  }
  // No display: nothing to download or run.
  if (facts.platform === 'linux' || facts.platform === 'freebsd' || facts.platform === 'openbsd') {
    const display = facts.env.DISPLAY ?? '';
    const wayland = facts.env.WAYLAND_DISPLAY ?? '';
    if (display === '' && wayland === '') return { mode: 'web', reason: 'there is no display (DISPLAY and WAYLAND_DISPLAY are unset)' };
  }
  if ('path' in facts.electron && facts.electronExists) return { mode: 'electron', electronPath: facts.electron.path };
  if (facts.electronPackage === false) return { mode: 'web', reason: 'the electron package is not installed' };
  const skip = facts.env.ELECTRON_SKIP_BINARY_DOWNLOAD ?? '';
  if (skip !== '' && skip !== '0' && skip !== 'false') {
    return { mode: 'web', reason: 'the Electron runtime is not installed and ELECTRON_SKIP_BINARY_DOWNLOAD is set' };
  }
  if (facts.installTried === true) {
    return { mode: 'web', reason: 'error' in facts.electron ? 'the Electron runtime is still not installed' : `the Electron binary is missing (${facts.electron.path})` };
  }
  return { mode: 'install' };
}

export type ElectronOutcome = { action: 'exit'; code: number } | { action: 'fallback'; reason: string };

/**
 * After Electron has gone: a run that opened its window is over (exit with its code); one that
 * died before its window appeared could not run here (missing shared libraries, no GPU/display
 * access, sandbox helper not set up), so the web shell takes over.
 */
export function afterElectron(result: { spawnError?: string; code: number | null; signal: string | null; windowShown: boolean }): ElectronOutcome {
  if (result.spawnError !== undefined) return { action: 'fallback', reason: `Electron could not be started (${result.spawnError})` };
  if (result.windowShown) return { action: 'exit', code: result.code ?? (result.signal !== null ? 1 : 0) };
  if (result.signal === 'SIGINT' || result.signal === 'SIGTERM') return { action: 'exit', code: 1 };
  if (result.code === 0) return { action: 'exit', code: 0 }; // e.g. a second instance handing over to the first
  const how = result.signal !== null ? `was killed by ${result.signal}` : `exited with code ${result.code}`;
  return { action: 'fallback', reason: `Electron ${how} before opening its window` };
}

/** `--web` is start's own; everything else goes on to Electron or to the web shell (`npm run web` options). */
export function parseStartArgs(argv: readonly string[]): { forceWeb: boolean; rest: string[] } {
  return { forceWeb: argv.includes('--web'), rest: argv.filter((a) => a !== '--web') };
}

/** dist/main needs (re)building when an output is missing or older than the newest source. */
export function buildIsStale(newestSourceMs: number, outputsMs: readonly (number | null)[]): boolean {
  return outputsMs.length === 0 || outputsMs.some((ms) => ms === null || ms < newestSourceMs);
}
