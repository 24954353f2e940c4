import { beforeEach, describe, expect, it } from 'vitest';
import type { SessionEvent } from './contract';
import { EventFeed, validateEvent } from './feed';
import { ev, resetSeq } from '../testing/fixtures';

function harness(history: unknown[][] = []) {
  const delivered: SessionEvent[] = [];
  const invalid: string[] = [];
  let resets = 0;
  const asked: number[] = [];
  const pending: ((events: unknown[]) => void)[] = [];
  const feed = new EventFeed(
    { deliver: (e) => delivered.push(e), invalid: (_raw, err) => invalid.push(err), reset: () => resets++ },
    (afterSeq) => {
      asked.push(afterSeq);
      const canned = history.shift();
      if (canned) return Promise.resolve(canned);
      return new Promise((resolve) => pending.push(resolve));
    },
  );
  return { feed, delivered, invalid, asked, pending, resets: () => resets };
}

const err = (seq: number) => ev('error', { seq, source: 'test', message: `m${seq}` });

describe('EventFeed', () => {
  beforeEach(() => resetSeq());

  it('delivers live events in order and drops none when no catch-up is running', () => {
    const h = harness();
    h.feed.live(err(1));
    h.feed.live(err(2));
    expect(h.delivered.map((e) => e.seq)).toEqual([1, 2]);
    expect(h.feed.lastSeq).toBe(2);
  });

  it('counts invalid events instead of throwing', () => {
    const h = harness();
    h.feed.live({ type: 'instance.state', seq: 1, ts: 1 });
    h.feed.live('garbage');
    h.feed.live(err(1));
    expect(h.invalid).toHaveLength(2);
    expect(h.invalid[0]).toMatch(/^instance\.state: /);
    expect(h.delivered).toHaveLength(1);
  });

  it('holds live events during a catch-up, then merges them with the history without duplicates', async () => {
    const h = harness();
    h.feed.live(err(1));
    const done = h.feed.catchUp();
    expect(h.asked).toEqual([1]);
    h.feed.live(err(4)); // arrives while the history is being fetched
    h.feed.live(err(3));
    expect(h.delivered.map((e) => e.seq)).toEqual([1]);
    h.pending[0]!([err(2), err(3), { bogus: true }]);
    await done;
    expect(h.delivered.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(h.feed.duplicates).toBe(1);
    expect(h.invalid).toHaveLength(1);
    expect(h.feed.catchingUp).toBe(false);
  });

  it('asks for history after the last seq on every reconnect', async () => {
    const h = harness([[err(1), err(2)], [err(3)]]);
    await h.feed.catchUp();
    await h.feed.catchUp();
    expect(h.asked).toEqual([0, 2]);
    expect(h.delivered.map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('treats a seq going backwards as a restarted session and rebuilds from seq 0', async () => {
    const h = harness([[err(1), err(2), err(3)]]);
    await h.feed.catchUp();
    h.feed.live(err(1)); // the new session's first event
    expect(h.resets()).toBe(1);
    expect(h.asked).toEqual([0, 0]);
    h.pending[0]!([err(1)]);
    await Promise.resolve();
    await Promise.resolve();
    expect(h.delivered.map((e) => e.seq)).toEqual([1, 2, 3, 1]);
    expect(h.feed.lastSeq).toBe(1);
  });

  it('a failed history fetch still releases the held events', async () => {
    const failures: unknown[] = [];
    const delivered: number[] = [];
    const feed = new EventFeed(
      { deliver: (e) => delivered.push(e.seq), invalid: () => {}, reset: () => {}, historyFailed: (e) => failures.push(e) },
      () => Promise.reject(new Error('no')),
    );
    const done = feed.catchUp();
    feed.live(err(5));
    await done;
    expect(delivered).toEqual([5]);
    expect(failures).toHaveLength(1);
  });

  it('validateEvent explains what is wrong', () => {
    const v = validateEvent({ type: 'load.stats', seq: 1, ts: 2 });
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.error).toContain('load.stats');
  });
});
