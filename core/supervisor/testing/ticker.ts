/** Test app: emits { tick: n } every `intervalMs` (default 20), plus delayPerRecord; stops on abort. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { InstanceContext } from '../app.js';

export interface TickerConfig {
  intervalMs?: number;
  /** throw after this many ticks (the "crasher") */
  crashAfter?: number;
  /** keep ticking after the stop signal (the "deaf" app) */
  ignoreStop?: boolean;
  /** post a malformed message to the parent after the first tick */
  sendInvalid?: boolean;
  /**
   * Interactive queries: 'answer' a get with the current tick (a range: 'not-hosted'), answer
   * after blocking the thread for 300 ms ('slow'), or exit before answering ('exit'). Unset: the
   * app serves none.
   */
  queries?: 'answer' | 'slow' | 'exit';
}

export async function run(ctx: InstanceContext<TickerConfig, { tick: number }>): Promise<void> {
  const cfg = ctx.config ?? {};
  const interval = cfg.intervalMs ?? 20;
  let n = 0;
  if (cfg.queries !== undefined) {
    const mode = cfg.queries;
    ctx.serveQueries((query) => {
      if (mode === 'exit') process.exit(3);
      if (mode === 'slow') {
        const until = Date.now() + 300;
        while (Date.now() < until);
      }
      if (query.kind === 'range') return { reason: 'not-hosted', message: `no task with partition ${query.partition} here` };
      return { answer: { kind: 'get', taskId: `0_${query.partition}`, role: 'active', phase: 'running', changelogLag: 0, value: Buffer.from(String(n)) } };
    });
  }
  while (cfg.ignoreStop || !ctx.signal.aborted) {
    n++;
    ctx.emit({ tick: n });
    if (cfg.sendInvalid && n === 1) {
      const { parentPort } = await import('node:worker_threads');
      parentPort?.postMessage({ type: 'bogus', x: 1 });
    }
    if (cfg.crashAfter !== undefined && n >= cfg.crashAfter) throw new Error(`crasher: boom after ${n} ticks`);
    await sleep(interval + ctx.delayPerRecord());
  }
}
