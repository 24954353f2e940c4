// npm start runs Electron as a child and is its only messenger. Electron's own SIGINT/SIGTERM
// handler gives one graceful attempt (app.quit → before-quit: instances stopped, the embedded
// broker closed) and makes the next signal fatal. In a terminal, Ctrl+C signals the whole
// foreground process group — and npm, and tsx, forward it once more each — so a child in our group
// would get it two or three times and die mid-close. So Electron runs in its own process group,
// and we ask it to quit once: by signal on POSIX; on Windows, where child.kill() terminates the
// process outright, by a line on its stdin (QUIT_REQUEST). A signal repeated within a second is
// the same Ctrl+C arriving by another route; one after that is the user insisting, and is passed on.
import { spawn } from 'node:child_process';
import { afterElectron, type ElectronOutcome } from './launch.js';
import { QUIT_ON_STDIN_ENV, QUIT_REQUEST, READY_MARKER } from './launch-marker.js';

export interface RunElectronOptions {
  electronPath: string;
  args: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** Electron's stdout, passed on (it is read for the ready marker). */
  onStdout?: (chunk: Buffer) => void;
}

export interface RunningElectron {
  /** How the run ended: exit with its code, or fall back to the web shell. */
  outcome: Promise<ElectronOutcome>;
  /** A signal npm start received, for Electron (deduplicated, see above). */
  signal(signal: NodeJS.Signals): void;
}

/** Repeats of a signal closer together than this are one interrupt delivered several ways. */
export const REPEAT_WINDOW_MS = 1000;

/** Decides which received signals reach Electron: the first, and any after the repeat window. */
export function signalFilter(now: () => number = Date.now): (signal: NodeJS.Signals) => 'quit' | 'again' | 'drop' {
  let first: number | null = null;
  return () => {
    const t = now();
    if (first === null) {
      first = t;
      return 'quit';
    }
    return t - first < REPEAT_WINDOW_MS ? 'drop' : 'again';
  };
}

export function runElectron({ electronPath, args, cwd, env, platform = process.platform, onStdout }: RunElectronOptions): RunningElectron {
  const viaStdin = platform === 'win32';
  const childEnv: NodeJS.ProcessEnv = { ...env };
  delete childEnv.ELECTRON_RUN_AS_NODE;
  if (viaStdin) childEnv[QUIT_ON_STDIN_ENV] = '1';
  const child = spawn(electronPath, [...args], {
    cwd,
    env: childEnv,
    stdio: [viaStdin ? 'pipe' : 'ignore', 'pipe', 'inherit'],
    // Its own process group (POSIX): a terminal's Ctrl+C reaches npm start, not Electron directly.
    detached: !viaStdin,
  });
  child.stdin?.on('error', () => undefined); // Electron gone before our line arrived
  let windowShown = false;
  let pending = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    onStdout?.(chunk);
    if (windowShown) return;
    pending = (pending + chunk.toString('utf8')).slice(-4096);
    if (pending.includes(READY_MARKER)) windowShown = true;
  });

  const filter = signalFilter();
  const signal = (sig: NodeJS.Signals): void => {
    const verdict = filter(sig);
    if (verdict === 'drop' || child.exitCode !== null || child.signalCode !== null) return;
    const posixSignal = sig === 'SIGHUP' ? 'SIGTERM' : sig; // Electron quits gracefully on INT/TERM
    if (verdict === 'quit' && viaStdin) child.stdin?.write(`${QUIT_REQUEST}\n`);
    else if (verdict === 'quit') child.kill(posixSignal);
    // Insisting: Electron's handler was used up by the first signal, so this one ends it at once.
    else child.kill(viaStdin ? undefined : posixSignal);
  };

  const outcome = new Promise<ElectronOutcome>((resolve) => {
    let settled = false;
    const done = (o: ElectronOutcome): void => {
      if (settled) return;
      settled = true;
      resolve(o);
    };
    child.once('error', (err) => done(afterElectron({ spawnError: err.message, code: null, signal: null, windowShown })));
    child.once('exit', (code, sig) => done(afterElectron({ code, signal: sig, windowShown })));
  });
  return { outcome, signal };
}
