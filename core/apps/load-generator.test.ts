import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker } from '../broker/broker.js';
import type { RunningBroker } from '../broker/broker.js';
import { waitFor } from '../broker/testing/wait.js';
import { CommittedReader } from './committed-reader.js';
import type { CommittedRecord } from './committed-reader.js';
import { LoadGenerator } from './load-generator.js';
import type { LoadGeneratorStats, LoadSendFailure } from './load-generator.js';
import { keyName, transferAmount, VOCABULARY } from './load-records.js';
import { InputValueSchema } from './records.js';
import { words } from './word-count.js';

describe('LoadGenerator', () => {
  let broker: RunningBroker;
  let kafka: Kafka;
  const closers: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    broker = await startBroker({ port: 0, dataDir: null, autoCreateTopics: false });
    // Few retries, so that sends to a missing topic fail within a test.
    kafka = new Kafka({
      brokers: [broker.bootstrap],
      clientId: 'load-generator-test',
      logLevel: logLevel.NOTHING,
      retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 200 },
    });
  });
  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    await broker?.close();
  });

  async function createTopic(topic: string): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    await admin.disconnect();
  }

  function generator(options: Omit<ConstructorParameters<typeof LoadGenerator>[0], 'kafka'>): LoadGenerator {
    const g = new LoadGenerator({ kafka, ...options });
    closers.push(() => g.stop());
    return g;
  }

  /** Every record of a topic, once `count` have been read. */
  async function readAll(topic: string, count: number): Promise<CommittedRecord[]> {
    const seen: CommittedRecord[] = [];
    const errors: Error[] = [];
    const reader = new CommittedReader({ kafka, topics: [topic], onRecords: (rs) => seen.push(...rs), onError: (e) => errors.push(e) });
    await reader.start();
    try {
      await waitFor(`${count} records in ${topic}`, () => seen.length >= count || errors.length > 0, 10_000);
      await new Promise((r) => setTimeout(r, 300)); // room for records beyond the count to show up
      expect(errors).toEqual([]);
      return seen;
    } finally {
      await reader.stop();
    }
  }

  it('sends transfers with per-key seqs from 0, pauses and resumes, and tallies exactly what was acknowledged', async () => {
    await createTopic('lg-transfers');
    const g = generator({ topic: 'lg-transfers', ratePerSecond: 400, keys: 5, kind: 'transfers', gen: 'run-1' });
    const progress: LoadGeneratorStats[] = [];
    g.onProgress((s) => progress.push(s));
    await g.start();
    await waitFor('100 acknowledged', () => g.stats().acked >= 100, 10_000);

    g.pause();
    await waitFor('the send in flight to settle', () => g.stats().sent === g.stats().acked, 5_000);
    const atPause = g.stats().sent;
    await new Promise((r) => setTimeout(r, 300));
    expect(g.stats()).toMatchObject({ state: 'paused', sent: atPause });

    g.resume();
    g.setRate(800);
    await waitFor('more after resuming', () => g.stats().acked >= atPause + 100, 10_000);
    const final = await g.stop();
    expect(final).toMatchObject({ state: 'stopped', failed: 0, targetRatePerSecond: 800, lastError: null });
    expect(final.acked).toBe(final.sent);
    expect(progress.at(-1)).toEqual({ ...final, ratePerSecond: expect.any(Number) });
    expect(progress.some((s) => s.state === 'paused')).toBe(true);

    const tally = g.tally();
    expect(tally.acked).toBe(final.acked);
    const records = await readAll('lg-transfers', final.acked);
    expect(records).toHaveLength(final.acked);
    const seqsByKey = new Map<string, number[]>();
    let amountTotal = 0;
    for (const r of [...records].sort((a, b) => a.partition - b.partition || a.offset - b.offset)) {
      const value = InputValueSchema.parse(JSON.parse(String(r.value)));
      expect(value.gen).toBe('run-1');
      expect(Number.isInteger(value.amount) && value.amount !== 0 && Math.abs(value.amount!) <= 100).toBe(true);
      amountTotal += value.amount!;
      const key = String(r.key);
      seqsByKey.set(key, [...(seqsByKey.get(key) ?? []), value.seq]);
    }
    expect([...seqsByKey.keys()].every((k) => /^acct-00[0-4]$/.test(k))).toBe(true);
    for (const [key, seqs] of seqsByKey) {
      expect(seqs).toEqual(seqs.map((_, i) => i)); // 0, 1, 2, … in the topic's order
      expect(tally.lastSeq[key]).toBe(seqs.length - 1);
    }
    expect(Object.keys(tally.lastSeq).sort()).toEqual([...seqsByKey.keys()].sort());
    expect(tally.amountTotal).toBe(amountTotal);
  });

  it('sends plain sentences and tallies their words', async () => {
    await createTopic('lg-sentences');
    const g = generator({ topic: 'lg-sentences', ratePerSecond: 300, keys: 3, kind: 'sentences' });
    await g.start();
    await waitFor('60 acknowledged', () => g.stats().acked >= 60, 10_000);
    const { acked } = await g.stop();
    const records = await readAll('lg-sentences', acked);
    const counts: Record<string, number> = {};
    for (const r of records) for (const w of words(String(r.value))) counts[w] = (counts[w] ?? 0) + 1;
    expect(Object.keys(counts).every((w) => (VOCABULARY as readonly string[]).includes(w))).toBe(true);
    expect(g.tally()).toMatchObject({ acked, wordCounts: counts, lastSeq: {}, amountTotal: 0 });
  });

  it('counts and reports failed sends and goes on, tallying only what was acknowledged', async () => {
    const g = generator({ topic: 'lg-late', ratePerSecond: 200, keys: 2, kind: 'sequence' });
    const failures: LoadSendFailure[] = [];
    g.onError((f) => failures.push(f));
    await g.start();
    await waitFor('a failed send', () => failures.length > 0, 10_000);
    expect(g.stats()).toMatchObject({ state: 'running', acked: 0 });
    expect(g.stats().failed).toBe(failures.reduce((n, f) => n + f.records, 0));
    expect(g.stats().lastError).not.toBeNull();

    await createTopic('lg-late');
    await waitFor('sends to succeed', () => g.stats().acked >= 20, 10_000);
    const final = await g.stop();
    expect(final.sent).toBe(final.acked + final.failed);
    const records = await readAll('lg-late', final.acked);
    expect(records).toHaveLength(final.acked);
    // Failed seqs are gone for good: each key's last acknowledged seq is the highest in the topic.
    const highest: Record<string, number> = {};
    for (const r of records) highest[String(r.key)] = Math.max(highest[String(r.key)] ?? -1, InputValueSchema.parse(JSON.parse(String(r.value))).seq);
    expect(g.tally().lastSeq).toEqual(highest);
  });

  it('stops at the first failed send when told to', async () => {
    const g = generator({ topic: 'lg-never', ratePerSecond: 200, keys: 2, kind: 'sequence', stopOnError: true });
    await g.start();
    await waitFor('the generator to fail', () => g.state === 'failed', 10_000);
    const final = await g.stop();
    expect(final).toMatchObject({ state: 'failed', acked: 0 });
    expect(final.failed).toBe(final.sent);
    expect(final.lastError).toMatch(/.+/);
  });

  it('validates its options and names keys in index order', () => {
    expect(() => new LoadGenerator({ kafka, topic: 't', ratePerSecond: -1, keys: 1, kind: 'sequence' })).toThrow(/ratePerSecond/);
    expect(() => new LoadGenerator({ kafka, topic: 't', ratePerSecond: 1, keys: 0, kind: 'sequence' })).toThrow(/keys/);
    expect([keyName(0, 10), keyName(7, 1000), keyName(42, 1001)]).toEqual(['acct-000', 'acct-007', 'acct-0042']);
    const amounts = Array.from({ length: 200 }, (_, i) => transferAmount(() => (i + 0.5) / 200));
    expect(new Set(amounts).size).toBe(200);
    expect([Math.min(...amounts), Math.max(...amounts), amounts.includes(0)]).toEqual([-100, 100, false]);
  });
});
