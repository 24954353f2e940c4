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
}

export async function run(ctx: InstanceContext<TickerConfig, { tick: number }>): Promise<void> {
  const cfg = ctx.config ?? {};
  const interval = cfg.intervalMs ?? 20;
  let n = 0;
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
