import { afterEach, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Supervisor, type SupervisorEvent } from './supervisor.js';

const TICKER = fileURLToPath(new URL('./testing/ticker.ts', import.meta.url));
const MEMORY_HOG = fileURLToPath(new URL('./testing/memory-hog.ts', import.meta.url));

let sup: Supervisor | undefined;
afterEach(async () => {
  await sup?.close();
  sup = undefined;
});

function setup(resourceIntervalMs = 0) {
  const s = new Supervisor({ resourceIntervalMs });
  sup = s;
  const events: SupervisorEvent[] = [];
  s.onEvent((e) => events.push(e));
  const ticks = (id: string, sinceTs = 0) =>
    events.filter((e) => e.type === 'instance.telemetry' && e.id === id && e.ts >= sinceTs).length;
  const waitFor = async (pred: (e: SupervisorEvent) => boolean, timeoutMs = 5000): Promise<SupervisorEvent> => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const hit = events.find(pred);
      if (hit) return hit;
      if (Date.now() > end) throw new Error('timed out waiting for event');
      await sleep(10);
    }
  };
  const running = (id: string) => waitFor((e) => e.type === 'instance.state' && e.id === id && e.to === 'running');
  return { s, events, ticks, waitFor, running };
}

describe('Supervisor', () => {
  it('starts an instance: ready, then telemetry passes through', async () => {
    const { s, waitFor, running } = setup();
    const id = s.start(TICKER, { intervalMs: 20 });
    expect(s.list()[0]).toMatchObject({ id, app: TICKER, state: 'starting' });
    await running(id);
    const t = await waitFor((e) => e.type === 'instance.telemetry' && e.id === id);
    expect(t).toMatchObject({ type: 'instance.telemetry', event: { tick: 1 } });
    expect(s.list()[0]?.state).toBe('running');
  });

  it('slow: 200 ms per record gives fewer than half the ticks of a normal instance', async () => {
    const { s, ticks, running } = setup();
    const fast = s.start(TICKER, {});
    const slow = s.start(TICKER, {});
    await Promise.all([running(fast), running(slow)]);
    s.slow(slow, 200);
    await sleep(250); // let the tick in flight finish
    const from = Date.now();
    await sleep(800);
    const nFast = ticks(fast, from);
    const nSlow = ticks(slow, from);
    expect(nFast).toBeGreaterThan(8);
    expect(nSlow).toBeLessThan(nFast / 2);
  });

  it('freeze blocks telemetry for the frozen period, then it resumes', async () => {
    const { s, ticks, running, waitFor } = setup();
    const id = s.start(TICKER, {});
    await running(id);
    await sleep(200);
    const before = ticks(id);
    expect(before).toBeGreaterThan(0);
    const t0 = Date.now();
    s.freeze(id, 1);
    expect(s.list()[0]?.state).toBe('frozen');
    await sleep(900);
    expect(ticks(id, t0 + 100)).toBe(0); // nothing while blocked (100 ms slack for in-flight messages)
    await waitFor((e) => e.type === 'instance.state' && e.to === 'running' && e.reason === 'thawed');
    await sleep(500);
    expect(ticks(id, t0 + 1000)).toBeGreaterThan(3);
    expect(s.list()[0]?.state).toBe('running');
  });

  it('a frozen instance can be killed (terminate interrupts Atomics.wait)', async () => {
    const { s, events, running } = setup();
    const id = s.start(TICKER, {});
    await running(id);
    s.freeze(id, 30);
    await sleep(100);
    const t0 = Date.now();
    await s.kill(id);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(events.find((e) => e.type === 'instance.exit')).toMatchObject({ state: 'killed', saidStopped: false });
  });

  it('a frozen instance asked to stop is terminated when the timeout passes first', async () => {
    const { s, events, running } = setup();
    const id = s.start(TICKER, {});
    await running(id);
    s.freeze(id, 30);
    expect(await s.stop(id, 300)).toBe('killed');
    const st = events.find((e) => e.type === 'instance.state' && e.to === 'killed');
    expect(st).toMatchObject({ from: 'stopping', reason: 'did not stop within 300 ms; terminated' });
  });

  it('stop is graceful: stopped message, exit 0, state stopped', async () => {
    const { s, events, running } = setup();
    const id = s.start(TICKER, {});
    await running(id);
    expect(await s.stop(id, 2000)).toBe('stopped');
    const exit = events.find((e) => e.type === 'instance.exit');
    expect(exit).toMatchObject({ exitCode: 0, state: 'stopped', saidStopped: true });
    const states = events.filter((e) => e.type === 'instance.state').map((e) => (e.type === 'instance.state' ? e.to : ''));
    expect(states).toEqual(['starting', 'running', 'stopping', 'stopped']);
    expect(s.list()[0]).toMatchObject({ state: 'stopped', exitCode: 0, lastError: null });
  });

  it('kill terminates without goodbye: state killed, no stopped message', async () => {
    const { s, events, running } = setup();
    const id = s.start(TICKER, {});
    await running(id);
    await s.kill(id);
    const exit = events.find((e) => e.type === 'instance.exit');
    expect(exit).toMatchObject({ state: 'killed', saidStopped: false });
    expect(exit?.type === 'instance.exit' && exit.exitCode).not.toBe(0);
    expect(s.list()[0]?.state).toBe('killed');
  });

  it('a crashing app is reported (error + crashed) and can be restarted', async () => {
    const { s, events, waitFor, running, ticks } = setup();
    const id = s.start(TICKER, { crashAfter: 3 });
    const exit = await waitFor((e) => e.type === 'instance.exit');
    expect(exit).toMatchObject({ state: 'crashed', exitCode: 1, saidStopped: false });
    const err = events.find((e) => e.type === 'instance.error');
    expect(err).toMatchObject({ source: 'app', message: 'crasher: boom after 3 ticks' });
    expect(err?.type === 'instance.error' && err.stack).toContain('ticker.ts');
    const crashed = events.find((e) => e.type === 'instance.state' && e.to === 'crashed');
    expect(crashed?.type === 'instance.state' && crashed.reason).toContain('boom after 3 ticks');
    expect(s.list()[0]).toMatchObject({ state: 'crashed', exitCode: 1, lastError: 'crasher: boom after 3 ticks' });
    expect(ticks(id)).toBe(3);

    events.length = 0;
    s.restart(id);
    await running(id);
    expect(events[0]).toMatchObject({ type: 'instance.state', from: 'crashed', to: 'starting', reason: 'restart' });
    await waitFor((e) => e.type === 'instance.exit'); // same config: it crashes again after 3 ticks
    expect(ticks(id)).toBe(3);
  });

  it('an instance that ignores stop is terminated after the timeout, with a clear reason', async () => {
    const { s, events, running } = setup();
    const id = s.start(TICKER, { ignoreStop: true });
    await running(id);
    const t0 = Date.now();
    expect(await s.stop(id, 300)).toBe('killed');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    const st = events.find((e) => e.type === 'instance.state' && e.to === 'killed');
    expect(st).toMatchObject({ from: 'stopping', reason: 'did not stop within 300 ms; terminated' });
    expect(events.find((e) => e.type === 'instance.exit')).toMatchObject({ saidStopped: false });
  });

  it('an invalid message from the worker becomes an instance.error, and the instance keeps running', async () => {
    const { s, waitFor, running } = setup();
    const id = s.start(TICKER, { sendInvalid: true });
    await running(id);
    const err = await waitFor((e) => e.type === 'instance.error');
    expect(err).toMatchObject({ source: 'protocol' });
    expect(err.type === 'instance.error' && err.message).toMatch(/^invalid message from worker: /);
    expect(s.list()[0]?.state).toBe('running');
  });

  it('an invalid message to the worker is rejected by the worker and reported', async () => {
    const { s, waitFor, running } = setup();
    const id = s.start(TICKER, {});
    await running(id);
    s.workerOf(id)?.postMessage({ type: 'slow', msPerRecord: -5 });
    const err = await waitFor((e) => e.type === 'instance.error');
    expect(err.type === 'instance.error' && err.message).toMatch(/^invalid message from parent: msPerRecord/);
    expect(s.list()[0]?.state).toBe('running');
  });

  it('a runaway instance hits its own heap limit: it crashes, the supervisor and the others go on', async () => {
    const s = new Supervisor({ resourceIntervalMs: 0, workerHeapLimitMb: 48 });
    sup = s;
    const events: SupervisorEvent[] = [];
    s.onEvent((e) => events.push(e));
    const calm = s.start(TICKER, { intervalMs: 20 });
    const hog = s.start(MEMORY_HOG, {});
    const end = Date.now() + 30_000;
    while (!events.some((e) => e.type === 'instance.exit' && e.id === hog) && Date.now() < end) await sleep(20);
    expect(events.find((e) => e.type === 'instance.exit' && e.id === hog)).toMatchObject({ state: 'crashed', saidStopped: false });
    const error = events.find((e) => e.type === 'instance.error' && e.id === hog);
    expect(error?.type === 'instance.error' && error.message).toMatch(/out of memory/i);
    // The parent is alive and the other instance still ticks.
    const before = events.filter((e) => e.type === 'instance.telemetry' && e.id === calm).length;
    await sleep(300);
    expect(events.filter((e) => e.type === 'instance.telemetry' && e.id === calm).length).toBeGreaterThan(before);
    expect(s.list().find((i) => i.id === calm)?.state).toBe('running');
  }, 40_000);

  it('a missing app module crashes the instance with a reported error', async () => {
    const { s, waitFor } = setup();
    s.start('/nonexistent/app.ts', {});
    const exit = await waitFor((e) => e.type === 'instance.exit');
    expect(exit).toMatchObject({ state: 'crashed', exitCode: 1 });
    expect(s.list()[0]?.lastError).toMatch(/Cannot find module|ERR_MODULE_NOT_FOUND|nonexistent/);
  });

  it('reports resources per worker: event-loop utilisation and heap', async () => {
    const { s, waitFor, running } = setup(100);
    const id = s.start(TICKER, {});
    await running(id);
    const r = await waitFor((e) => e.type === 'instance.resources' && e.id === id && e.heapUsed !== null);
    if (r.type !== 'instance.resources') throw new Error('unreachable');
    expect(r.elu).toBeGreaterThanOrEqual(0);
    expect(r.elu).toBeLessThanOrEqual(1);
    expect(r.heapUsed).toBeGreaterThan(100_000);
    expect(r.heapTotal).toBeGreaterThanOrEqual(r.heapUsed ?? 0);
  });
});
