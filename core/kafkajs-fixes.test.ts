// kafkajs-fixes.ts: a kafkajs client against the embedded broker sets no negative timer (Node 24
// warns `TimeoutNegativeWarning` for one; Node 20 clamps it to 1 ms without a word, so the timers
// themselves are watched), an idle connection does not poll its empty request queue, and every
// module in core/ that builds a kafkajs client loads the fix.
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startBroker, type RunningBroker } from './broker/broker.js';
import { fixKafkajsIdleRequestQueueTimer } from './kafkajs-fixes.js';

const CORE = fileURLToPath(new URL('.', import.meta.url));

/** setTimeout delays that Node does not take as given: negative or not a number. */
function watchTimers() {
  const bad: { delay: unknown; stack: string }[] = [];
  let calls = 0;
  const original = globalThis.setTimeout as (...args: unknown[]) => NodeJS.Timeout;
  const watched = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((...args: unknown[]) => {
    calls++;
    const delay = args[1];
    if (delay !== undefined && (typeof delay !== 'number' || Number.isNaN(delay) || delay < 0)) bad.push({ delay, stack: new Error().stack ?? '' });
    return original(...args);
  }) as typeof setTimeout);
  return { bad, calls: () => calls, restore: () => watched.mockRestore() };
}

describe('kafkajs fixes', () => {
  let b: RunningBroker;
  beforeAll(async () => {
    b = await startBroker({ port: 0, dataDir: null });
  });
  afterAll(async () => {
    await b?.close();
  });

  it('is applied to the kafkajs that `import "kafkajs"` loads', () => {
    expect(fixKafkajsIdleRequestQueueTimer()).toBe(true);
  });

  it('a connection sets no negative timer, warns nothing and does not poll while idle', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    const timers = watchTimers();
    const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'kafkajs-fixes-test', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    const producer = kafka.producer();
    try {
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'fixes', numPartitions: 1 }] });
      await admin.fetchTopicMetadata({ topics: ['fixes'] });
      await producer.connect();
      await producer.send({ topic: 'fixes', messages: [{ value: 'x' }] });
      const before = timers.calls();
      await new Promise((r) => setTimeout(r, 300)); // two idle connections (plus the broker's timers)
      const idle = timers.calls() - before;
      // Unfixed, each idle connection sets a 1 ms timer after the last, ~300 here per connection.
      expect(idle).toBeLessThan(60);
    } finally {
      await producer.disconnect();
      await admin.disconnect();
      timers.restore();
      // process.emitWarning delivers on the next tick.
      await new Promise((r) => setImmediate(r));
      process.off('warning', onWarning);
    }
    expect(timers.bad.map((t) => `${String(t.delay)} at ${t.stack}`)).toEqual([]);
    expect(warnings.filter((w) => w.startsWith('TimeoutNegativeWarning'))).toEqual([]);
  });

  it('every module in core/ that builds a kafkajs client loads the fix', async () => {
    const files = (await readdir(CORE, { recursive: true }))
      .filter((f) => /\.(ts|mts|js|mjs)$/.test(f) && !/\.test\.|(^|\/)testing\//.test(f))
      .map((f) => join(CORE, f));
    const builders: string[] = [];
    const missing: string[] = [];
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      if (!text.includes('new Kafka(') || file.endsWith('kafkajs-fixes.ts')) continue;
      builders.push(relative(CORE, file));
      if (!/^import '(\.\.?\/)+kafkajs-fixes\.js';$/m.test(text)) missing.push(relative(CORE, file));
    }
    // The scan must find the known builders (the session's connection, the monitor's admin, the stream
    // thread's admin), or it proves nothing.
    expect(builders).toEqual(expect.arrayContaining(['session/services/connection.ts', 'streams/runtime/stream-thread.ts']));
    expect(builders.length).toBeGreaterThanOrEqual(3);
    expect(missing).toEqual([]);
  });
});
