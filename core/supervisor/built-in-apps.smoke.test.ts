// Smoke of the supervisor with every built-in app (core/apps/instances/catalog.ts): one instance
// of each, configured as the session configures one (core/session/services/hosted-instances.ts, instances.start),
// against the embedded broker. Each reaches RUNNING, turns one input record into committed output,
// and stops cleanly. CI runs this under Node 24 as well (Electron 41's Node), see .ci/run.
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { z } from 'zod';
import { BUILT_IN_APPS, type BuiltInApp } from '../apps/instances/catalog.js';
import { CommittedReader, type CommittedRecord } from '../apps/committed-reader.js';
import { LedgerValueSchema, parseJsonValue, type InputValue } from '../apps/records.js';
import { startBroker, type RunningBroker } from '../broker/broker.js';
import { waitFor } from '../broker/testing/wait.js';
import '../kafkajs-fixes.js';
import { StreamsEvent } from '../streams/index.js';
import type { StreamsInstanceConfig } from './streams-instance.js';
import { Supervisor, type SupervisorEvent } from './supervisor.js';

const PARTITIONS = 2;

/** One input record per app and the committed output that proves it went through. */
const CASES: Record<string, { key: string; value: Buffer; matches: (outputs: CommittedRecord[]) => boolean }> = {
  'bank-ledger': {
    key: 'acct-000',
    value: json({ gen: 'smoke', seq: 0, ts: 1, amount: 42 }),
    matches: (out) =>
      out.some((r) => {
        const v = parseJsonValue(LedgerValueSchema, r.value);
        return r.key?.toString() === 'acct-000' && v?.account === 'acct-000' && v.amount === 42 && v.balance === 42 && v.seq === 0;
      }),
  },
  'word-count': {
    key: 's-0',
    value: Buffer.from('stream table stream'),
    // One record per occurrence; counts as Int64 big-endian.
    matches: (out) => {
      const counts = out.map((r) => `${r.key?.toString()}=${r.value?.readBigInt64BE()}`);
      return counts.includes('stream=2') && counts.includes('table=1');
    },
  },
  passthrough: {
    key: 'k-0',
    value: json({ gen: 'smoke', seq: 0, ts: 1 }),
    matches: (out) => out.some((r) => r.key?.toString() === 'k-0' && r.value?.equals(json({ gen: 'smoke', seq: 0, ts: 1 })) === true),
  },
};

function json(v: InputValue): Buffer {
  return Buffer.from(JSON.stringify(v));
}

/**
 * Process warnings of this thread and those the instances' workers print (a worker's stderr is
 * this process's): Node >= 23 warns TimeoutNegativeWarning once per thread unless
 * core/kafkajs-fixes.ts is in effect.
 */
function captureWarnings(): { warnings: string[]; restore: () => void } {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(`this thread: ${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  const write = process.stderr.write;
  process.stderr.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
    const text = String(chunk);
    if (/\(node:\d+\) \w*Warning/.test(text)) warnings.push(`stderr: ${text.trim()}`);
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof process.stderr.write;
  return {
    warnings,
    restore: () => {
      process.stderr.write = write;
      process.off('warning', onWarning);
    },
  };
}

let b: RunningBroker;
let kafka: Kafka;
let captured: ReturnType<typeof captureWarnings>;
beforeAll(async () => {
  captured = captureWarnings();
  b = await startBroker({ port: 0, dataDir: null });
  kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'built-in-apps-smoke', logLevel: logLevel.NOTHING });
});
afterAll(async () => {
  await b?.close();
  captured?.restore();
});

it('runs one instance of each built-in app: RUNNING, one record end to end, a clean stop', async () => {
  expect(BUILT_IN_APPS.map((a) => a.name).sort()).toEqual(Object.keys(CASES).sort());
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: BUILT_IN_APPS.flatMap((a) => [a.defaultTopics.input, a.defaultTopics.output]).map((topic) => ({ topic, numPartitions: PARTITIONS })),
  });
  await admin.disconnect();

  const supervisor = new Supervisor({ resourceIntervalMs: 0 });
  const events: SupervisorEvent[] = [];
  const streamsStates = new Map<string, string>();
  const invalidTelemetry: string[] = [];
  supervisor.onEvent((e) => {
    events.push(e);
    if (e.type !== 'instance.telemetry') return;
    const parsed = StreamsEvent.safeParse(e.event);
    if (!parsed.success) invalidTelemetry.push(`${e.id}: ${JSON.stringify(e.event)}`);
    else if (parsed.data.type === 'state') streamsStates.set(e.id, parsed.data.to);
  });
  const outputs = new Map<string, CommittedRecord[]>(BUILT_IN_APPS.map((a) => [a.defaultTopics.output, []]));
  const readerErrors: Error[] = [];
  const reader = new CommittedReader({
    kafka,
    topics: [...outputs.keys()],
    onRecords: (rs) => rs.forEach((r) => outputs.get(r.topic)?.push(r)),
    onError: (e) => readerErrors.push(e),
  });
  const producer = kafka.producer();
  const ids = new Map<BuiltInApp, string>();
  try {
    for (const app of BUILT_IN_APPS) {
      const id = `smoke-${app.name}-1`;
      const config: z.input<typeof StreamsInstanceConfig> = {
        applicationId: `smoke-${app.name}`,
        bootstrapServers: [b.bootstrap],
        processingGuarantee: 'exactly_once_v2',
        ssl: false,
        sasl: null,
        clientId: id,
        app: { input: app.defaultTopics.input, output: app.defaultTopics.output },
      };
      ids.set(app, supervisor.start(app.module, config, { id }));
    }
    await Promise.all([reader.start(), producer.connect()]);
    const problems = () => events.filter((e) => e.type === 'instance.error' || e.type === 'instance.exit').map((e) => JSON.stringify(e));
    await waitFor(
      'every instance RUNNING',
      () => {
        if (problems().length > 0) throw new Error(`an instance failed: ${problems().join('; ')}`);
        return [...ids.values()].every((id) => streamsStates.get(id) === 'RUNNING');
      },
      30_000,
    );
    expect(supervisor.list().map((i) => i.state)).toEqual(BUILT_IN_APPS.map(() => 'running'));

    for (const app of BUILT_IN_APPS) {
      const c = CASES[app.name]!;
      await producer.send({ topic: app.defaultTopics.input, messages: [{ key: c.key, value: c.value }] });
    }
    for (const app of BUILT_IN_APPS) {
      await waitFor(`${app.name}'s output in '${app.defaultTopics.output}'`, () => CASES[app.name]!.matches(outputs.get(app.defaultTopics.output)!), 20_000);
    }
    expect(readerErrors).toEqual([]);

    const finals = await Promise.all([...ids.values()].map((id) => supervisor.stop(id, 10_000)));
    expect(finals).toEqual(BUILT_IN_APPS.map(() => 'stopped'));
    for (const id of ids.values()) {
      expect(events.find((e) => e.type === 'instance.exit' && e.id === id)).toMatchObject({ exitCode: 0, state: 'stopped', saidStopped: true });
      expect(streamsStates.get(id)).toBe('NOT_RUNNING');
    }
    expect(events.filter((e) => e.type === 'instance.error')).toEqual([]);
    expect(invalidTelemetry).toEqual([]);
    await new Promise((r) => setImmediate(r)); // a warning is delivered on the next tick
    expect(captured.warnings).toEqual([]);
  } finally {
    await producer.disconnect().catch(() => undefined);
    await reader.stop().catch(() => undefined);
    await supervisor.close();
  }
}, 60_000);
