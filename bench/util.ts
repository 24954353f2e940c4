// Shared pieces of the broker benchmark: child processes that speak one JSON line per
// request, a bounded subprocess runner, a fixed-rate scheduler and percentile maths.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_DIR = join(BENCH_DIR, '..');

export const KiB = 1024;
/** Throughput is reported in MB/s with MB = 10^6 bytes. */
export const MB = 1_000_000;

export const nowMs = (): number => performance.now();
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A TypeScript child (run through tsx) that prints one JSON object per line on stdout: the
 * first is its "ready" message, then one reply per command line written to its stdin.
 * Everything it writes on stderr is kept (and counted) for the report.
 */
export class JsonChild {
  readonly proc: ChildProcess;
  readonly stderrLines: string[] = [];
  private waiting: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];
  private exited: Promise<number | null>;
  private exitCode: number | null | undefined = undefined;

  private constructor(file: string, args: string[]) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', join(BENCH_DIR, file), ...args], {
      cwd: REPO_DIR,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    createInterface({ input: this.proc.stdout! }).on('line', (line) => {
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch {
        this.stderrLines.push(`(stdout) ${line}`);
        return;
      }
      this.waiting.shift()?.resolve(msg);
    });
    createInterface({ input: this.proc.stderr! }).on('line', (line) => {
      if (this.stderrLines.length < 1000) this.stderrLines.push(line);
    });
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code) => {
        this.exitCode = code;
        for (const w of this.waiting.splice(0)) {
          w.reject(new Error(`${file} exited (code ${code}): ${this.stderrLines.slice(-5).join(' | ')}`));
        }
        resolve(code);
      });
    });
  }

  /** Starts the child and waits (bounded) for its ready line. */
  static async start<T>(file: string, args: string[], timeoutMs = 30_000): Promise<{ child: JsonChild; ready: T }> {
    const child = new JsonChild(file, args);
    const ready = await withTimeout(child.next<T>(), timeoutMs, `${file} did not start`).catch(async (e) => {
      await child.kill();
      throw e;
    });
    return { child, ready };
  }

  private next<T>(): Promise<T> {
    if (this.exitCode !== undefined) return Promise.reject(new Error('child has exited'));
    return new Promise<unknown>((resolve, reject) => this.waiting.push({ resolve, reject })) as Promise<T>;
  }

  request<T>(command: string, timeoutMs = 30_000): Promise<T> {
    const p = this.next<T>();
    this.proc.stdin!.write(`${command}\n`);
    return withTimeout(p, timeoutMs, `no reply to "${command}"`);
  }

  /** Asks the child to close cleanly; kills it (this child only, by pid) if it does not. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (this.exitCode !== undefined) return;
    this.proc.stdin!.end('close\n');
    const exited = await withTimeout(this.exited, timeoutMs, 'child did not exit').then(
      () => true,
      () => false,
    );
    if (!exited) await this.kill();
  }

  async kill(): Promise<void> {
    if (this.exitCode !== undefined) return;
    this.proc.kill('SIGKILL');
    await this.exited;
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export interface ProcResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  wallMs: number;
}

/** Programs started by runProcess and still running, so an interrupted run can stop them. */
const running = new Set<ChildProcess>();

/** Kills (each by its own pid) whatever runProcess started that is still running. */
export function killRunning(): void {
  for (const p of running) p.kill('SIGKILL');
}

/** Runs a program to completion, killed (by its own pid) after `timeoutMs`. */
export function runProcess(cmd: string, args: string[], timeoutMs: number, env?: NodeJS.ProcessEnv): Promise<ProcResult> {
  return new Promise((resolve, reject) => {
    const t0 = nowMs();
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    running.add(p);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 200_000) stderr += d.toString();
    });
    const timer = setTimeout(() => {
      timedOut = true;
      p.kill('SIGKILL');
    }, timeoutMs);
    p.on('error', (e) => {
      running.delete(p);
      clearTimeout(timer);
      reject(e);
    });
    p.on('close', (code) => {
      running.delete(p);
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut, wallMs: nowMs() - t0 });
    });
  });
}

/** The last line of `text` that parses as a JSON object. */
export function lastJson<T>(text: string): T | null {
  const lines = text.trim().split('\n').reverse();
  for (const l of lines) {
    if (!l.startsWith('{')) continue;
    try {
      return JSON.parse(l) as T;
    } catch {
      /* not JSON */
    }
  }
  return null;
}

/**
 * Calls `fire(i)` at `ratePerSec` for `durationMs` (open loop: a slow reply does not delay the
 * next send; a late timer catches up). Returns how many were fired.
 */
export function fixedRate(ratePerSec: number, durationMs: number, fire: (i: number) => void): Promise<number> {
  const total = Math.max(1, Math.round((ratePerSec * durationMs) / 1000));
  const intervalMs = 1000 / ratePerSec;
  return new Promise((resolve) => {
    const t0 = nowMs();
    let sent = 0;
    const tick = () => {
      const due = Math.min(total, Math.floor((nowMs() - t0) / intervalMs) + 1);
      while (sent < due) fire(sent++);
      if (sent >= total) return resolve(sent);
      setTimeout(tick, Math.max(0, t0 + sent * intervalMs - nowMs()));
    };
    tick();
  });
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** Summary of latencies, in the unit they were recorded in. */
export function summarize(samples: number[]): LatencySummary {
  const s = [...samples].sort((a, b) => a - b);
  return { count: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN };
}

export const mbps = (bytes: number, ms: number): number => bytes / MB / (ms / 1000);
