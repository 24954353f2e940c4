import { describe, expect, it } from 'vitest';
import type { SessionEvent, SessionEventInput } from './api.js';
import { EventBus } from './event-bus.js';
import { csvField, exportEvents } from './export.js';

const progress = (n: number): SessionEventInput => ({ type: 'progress', task: 't', message: `step ${n}`, fraction: null, done: false });
const resources = (n: number): SessionEventInput => ({ type: 'instance.resources', id: 'a-1', elu: n / 100, heapUsed: null, heapTotal: null });

describe('EventBus', () => {
  it('stamps seq and ts, fans out, and keeps a bounded history per kind', () => {
    const bus = new EventBus({ historySize: 3, now: () => 42 });
    const seen: SessionEvent[] = [];
    const off = bus.subscribe((e) => seen.push(e));
    bus.subscribe(() => {
      throw new Error('a broken subscriber');
    });
    for (let i = 0; i < 5; i++) bus.publish(progress(i));
    for (let i = 0; i < 10; i++) bus.publish(resources(i));
    expect(seen.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(seen[0]).toEqual({ seq: 1, ts: 42, type: 'progress', task: 't', message: 'step 0', fraction: null, done: false });
    // Facts survive a flood of samples.
    expect(bus.history().map((e) => e.seq)).toEqual([3, 4, 5, 13, 14, 15]);
    expect(bus.history(4).map((e) => e.seq)).toEqual([5, 13, 14, 15]);
    off();
    bus.publish(progress(9));
    expect(seen).toHaveLength(15);
  });

  it('keeps the latest cluster status in the history after the rings turn over', () => {
    const bus = new EventBus({ historySize: 2 });
    bus.publish({ type: 'cluster.status', connected: true, embedded: true, bootstrap: '127.0.0.1:1', brokers: [], clusterId: null, error: null, retryInMs: null });
    for (let i = 0; i < 5; i++) bus.publish({ type: 'error', source: 'test', message: `e${i}` });
    for (let i = 0; i < 5; i++) bus.publish({ type: 'load.stats', state: 'running', sent: i, acked: i, failed: 0, ratePerSecond: 1, targetRatePerSecond: 1, lastError: null });
    const history = bus.history(0);
    expect(history[0]).toMatchObject({ type: 'cluster.status', seq: 1, connected: true });
    expect(history.map((e) => e.seq)).toEqual([1, 5, 6, 10, 11]);
    expect(bus.history(1).some((e) => e.type === 'cluster.status')).toBe(false);
  });

  it('turns an invalid event into an error event instead of throwing', () => {
    const bus = new EventBus();
    const seen: SessionEvent[] = [];
    bus.subscribe((e) => seen.push(e));
    expect(bus.publish({ type: 'instance.error', id: 'a-1' } as unknown as SessionEventInput)).toBeNull();
    expect(bus.publish({ type: 'no.such' } as unknown as SessionEventInput)).toBeNull();
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatchObject({ seq: 1, type: 'error', source: 'session', message: 'dropped an invalid instance.error event: message: required' });
    expect(seen[1]).toMatchObject({ seq: 2, type: 'error' });
  });
});

describe('exportEvents', () => {
  const events: SessionEvent[] = [
    { seq: 1, ts: Date.UTC(2025, 0, 2, 3, 4, 5), type: 'error', source: 'verifier', message: 'said "no", then, stopped' },
    { seq: 2, ts: Date.UTC(2025, 0, 2, 3, 4, 6), type: 'instance.error', id: 'bank-ledger-1', message: 'line one\nline two' },
  ];

  it('writes CSV with one quoted row per event', () => {
    const { filename, content } = exportEvents(events, 'csv', new Date(Date.UTC(2025, 0, 2, 3, 4, 7)));
    expect(filename).toBe('streamwatch-events-20250102-030407Z.csv');
    expect(content).toBe(
      'seq,time,type,subject,data\r\n' +
        '1,2025-01-02T03:04:05.000Z,error,verifier,"{""source"":""verifier"",""message"":""said \\""no\\"", then, stopped""}"\r\n' +
        '2,2025-01-02T03:04:06.000Z,instance.error,bank-ledger-1,"{""id"":""bank-ledger-1"",""message"":""line one\\nline two""}"\r\n',
    );
    expect(csvField('plain')).toBe('plain');
  });

  it('writes JSON as an array of the events', () => {
    const { filename, content } = exportEvents(events, 'json');
    expect(filename).toMatch(/\.json$/);
    expect(JSON.parse(content)).toEqual(events);
  });
});
