import { describe, expect, it } from 'vitest';
import { FrameBatcher, type FrameClock } from './frame-batcher';

/** A hand-driven clock: frames and timers run only when the test says so. */
function manualClock() {
  let next = 1;
  const frames = new Map<number, () => void>();
  const timers = new Map<number, { run: () => void; ms: number }>();
  const clock: FrameClock = {
    requestFrame: (run) => (frames.set(next, run), next++),
    cancelFrame: (h) => void frames.delete(h),
    setTimer: (run, ms) => (timers.set(next, { run, ms }), next++) as unknown as ReturnType<typeof setTimeout>,
    clearTimer: (h) => void timers.delete(h as unknown as number),
  };
  const runAll = <T extends () => void>(m: Map<number, T | { run: T }>) => {
    const due = [...m.values()];
    m.clear();
    for (const f of due) (typeof f === 'function' ? f : f.run)();
  };
  return { clock, frames, timers, frame: () => runAll(frames), timeout: () => runAll(timers) };
}

describe('FrameBatcher', () => {
  it('applies everything pushed before a frame in one batch, inside that frame', () => {
    const c = manualClock();
    const batches: Array<{ batch: number[]; inFrame: boolean }> = [];
    const b = new FrameBatcher<number>((batch, inFrame) => batches.push({ batch, inFrame }), c.clock, 100);
    b.push(1);
    b.push(2);
    b.push(3);
    expect(c.frames.size).toBe(1); // one frame requested, not one per item
    expect(batches).toEqual([]);
    c.frame();
    expect(batches).toEqual([{ batch: [1, 2, 3], inFrame: true }]);
    expect(c.timers.size).toBe(0); // the fallback was disarmed
    b.push(4);
    c.frame();
    expect(batches.at(-1)).toEqual({ batch: [4], inFrame: true });
  });

  it('applies on the fallback timer when no frame comes (hidden page), and the late frame finds nothing', () => {
    const c = manualClock();
    const batches: number[][] = [];
    const b = new FrameBatcher<number>((batch) => batches.push(batch), c.clock, 250);
    b.push(1);
    expect([...c.timers.values()].map((t) => t.ms)).toEqual([250]);
    c.timeout();
    expect(batches).toEqual([[1]]);
    expect(c.frames.size).toBe(0);
    c.frame();
    expect(batches).toEqual([[1]]);
  });

  it('flush applies at once; clear drops the queue and nothing fires later', () => {
    const c = manualClock();
    const batches: Array<{ batch: string[]; inFrame: boolean }> = [];
    const b = new FrameBatcher<string>((batch, inFrame) => batches.push({ batch, inFrame }), c.clock);
    b.flush();
    expect(batches).toEqual([]); // nothing queued: nothing applied
    b.push('a');
    b.flush();
    expect(batches).toEqual([{ batch: ['a'], inFrame: false }]);
    b.push('b');
    b.clear();
    c.frame();
    c.timeout();
    expect(batches).toHaveLength(1);
  });
});
