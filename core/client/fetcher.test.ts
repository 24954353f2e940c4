import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../broker/broker.js';
import { ApiKey } from '../protocol/apis.js';
import { encodeRecordBatch, type Compression } from '../protocol/records/index.js';
import type { ProduceResponse } from '../protocol/schema/generated/index.js';
import { KafkaClient } from './client.js';
import { Fetcher, type FetcherConfig, type PartitionBatch, type PartitionError, type TopicPartition } from './fetcher.js';
import type { PartitionFetch } from './fetch-request.js';

const silent = { logLevel: logLevel.NOTHING };

/** Polls until `done` holds for what was collected, failing with what came when it does not. */
async function pollUntil(
  fetcher: Fetcher,
  done: (batches: PartitionBatch[], errors: PartitionError[]) => boolean,
  ms = 10_000,
): Promise<{ batches: PartitionBatch[]; errors: PartitionError[] }> {
  const batches: PartitionBatch[] = [];
  const errors: PartitionError[] = [];
  const end = Date.now() + ms;
  while (!done(batches, errors)) {
    if (Date.now() > end) {
      throw new Error(`poll did not get there in ${ms} ms; got ${JSON.stringify(values(batches))} and errors ${errors.map((e) => e.error.message).join('; ')}`);
    }
    const r = await fetcher.poll(200);
    batches.push(...r.batches);
    errors.push(...r.errors);
  }
  return { batches, errors };
}

function values(batches: PartitionBatch[]): string[] {
  return batches.flatMap((b) => b.records.map((r) => r.value?.toString() ?? 'null'));
}

function offsets(batches: PartitionBatch[]): number[] {
  return batches.flatMap((b) => b.records.map((r) => r.offset));
}

describe('Fetcher against the embedded broker', () => {
  let broker: RunningBroker;
  let kafka: Kafka;
  const closers: (() => Promise<void> | void)[] = [];

  beforeAll(async () => {
    broker = await startBroker({ port: 0, dataDir: null });
    kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'fetcher-test', ...silent });
  });
  afterAll(async () => {
    for (const close of closers.reverse()) await close()?.catch(() => {});
    await broker?.close();
  });

  function fetcher(config: FetcherConfig = {}): { fetcher: Fetcher; client: KafkaClient } {
    const client = new KafkaClient({ bootstrapServers: [broker.bootstrap], clientId: 'fetcher-test' });
    const f = new Fetcher(client, config);
    closers.push(() => {
      f.close();
      client.close();
    });
    return { fetcher: f, client };
  }

  async function createTopic(topic: string, numPartitions = 1): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions }] });
    await admin.disconnect();
  }

  async function producer(transactionalId?: string): Promise<Producer> {
    const p = transactionalId === undefined ? kafka.producer() : kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
    await p.connect();
    closers.push(() => p.disconnect());
    return p;
  }

  it('read_committed gives exactly the committed records of two producers interleaving committed and aborted transactions, in offset order', async () => {
    const topic = 'interleaved';
    await createTopic(topic);
    const live = fetcher({ isolationLevel: 'read_committed' });
    live.fetcher.assign([{ topic, partition: 0, position: 0 }]);
    const [p1, p2, plain] = [await producer('fetch-p1'), await producer('fetch-p2'), await producer()];
    const send = (t: { send: Producer['send'] }, value: string) => t.send({ topic, messages: [{ value }] });

    // Two aborted transactions open over each other, with committed records between them.
    const t1 = await p1.transaction();
    const t2 = await p2.transaction();
    await send(t1, 'p1-aborted-1');
    await send(t2, 'p2-committed-1');
    await send(t1, 'p1-aborted-2');
    await send(t2, 'p2-committed-2');
    await send(plain, 'plain-1');
    await t1.abort();
    await t2.commit();
    const t3 = await p1.transaction();
    const t4 = await p2.transaction();
    await send(t4, 'p2-aborted-3');
    await send(t3, 'p1-aborted-4');
    await send(t4, 'p2-aborted-5');
    await send(plain, 'plain-2');
    await t3.abort();
    await send(t4, 'p2-aborted-6');
    await t4.abort();
    const t5 = await p1.transaction();
    await send(t5, 'p1-committed-3');
    await t5.commit();

    const committed = ['p2-committed-1', 'p2-committed-2', 'plain-1', 'plain-2', 'p1-committed-3'];
    const seenLive = await pollUntil(live.fetcher, (b) => values(b).length >= committed.length);
    expect(values(seenLive.batches)).toEqual(committed);

    // Read afterwards from the start, and from offset 8, where both aborted transactions of the
    // second round have begun (p2's at 7, p1's at 8). kafkajs 2.2.4 turns on one aborted
    // transaction per record it passes, so from 8 it hands out p1-aborted-4 (seen: 8, 10, 14).
    const late = fetcher({ isolationLevel: 'read_committed' });
    late.fetcher.assign([{ topic, partition: 0, position: 0 }]);
    const seenLate = await pollUntil(late.fetcher, (b) => values(b).length >= committed.length);
    expect(values(seenLate.batches)).toEqual(committed);
    const lateOffsets = offsets(seenLate.batches);
    expect(lateOffsets).toEqual([...lateOffsets].sort((a, b) => a - b));
    expect(offsets(seenLive.batches)).toEqual(lateOffsets);

    const middle = fetcher({ isolationLevel: 'read_committed' });
    middle.fetcher.assign([{ topic, partition: 0, position: 8 }]);
    const seenMiddle = await pollUntil(middle.fetcher, (b) => values(b).includes('p1-committed-3'));
    expect(values(seenMiddle.batches)).toEqual(['plain-2', 'p1-committed-3']);

    // 5 committed + 6 aborted data records and 5 markers: positions end past the last marker.
    const end = broker.broker.topics.partition(topic, 0)!.highWatermark;
    expect(end).toBe(16);
    await pollUntil(late.fetcher, () => late.fetcher.position({ topic, partition: 0 }) === end);
    expect(late.fetcher.lag({ topic, partition: 0 })).toBe(0);

    const uncommitted = fetcher({ isolationLevel: 'read_uncommitted' });
    uncommitted.fetcher.assign([{ topic, partition: 0, position: 0 }]);
    const all = await pollUntil(uncommitted.fetcher, (b) => values(b).length >= 11);
    expect(values(all.batches)).toEqual([
      'p1-aborted-1', 'p2-committed-1', 'p1-aborted-2', 'p2-committed-2', 'plain-1',
      'p2-aborted-3', 'p1-aborted-4', 'p2-aborted-5', 'plain-2', 'p2-aborted-6', 'p1-committed-3',
    ]);
  });

  it('an open transaction holds read_committed at the last stable offset until it ends', async () => {
    const topic = 'open-txn';
    await createTopic(topic);
    const plain = await producer();
    const txnProducer = await producer('fetch-open');
    await plain.send({ topic, messages: [{ value: 'before' }] });
    const txn = await txnProducer.transaction();
    await txn.send({ topic, messages: [{ value: 'in-txn' }] });
    await plain.send({ topic, messages: [{ value: 'after' }] });

    const { fetcher: f } = fetcher({ isolationLevel: 'read_committed' });
    const tp: TopicPartition = { topic, partition: 0 };
    f.assign([{ ...tp, position: 0 }]);
    const first = await pollUntil(f, (b) => values(b).length >= 1);
    expect(values(first.batches)).toEqual(['before']);
    // Polls go on, but nothing past the open transaction's first offset comes.
    const held = await pollUntil(f, () => f.logMarks(tp).highWatermark === 3, 5000);
    for (let i = 0; i < 3; i++) held.batches.push(...(await f.poll(100)).batches);
    expect(values(held.batches)).toEqual([]);
    expect(f.position(tp)).toBe(1);
    expect(f.logMarks(tp)).toMatchObject({ lastStableOffset: 1, highWatermark: 3, logStartOffset: 0 });
    expect(f.lag(tp)).toBe(0);

    await txn.commit();
    const rest = await pollUntil(f, (b) => values(b).length >= 2);
    expect(values(rest.batches)).toEqual(['in-txn', 'after']);
    await pollUntil(f, () => f.position(tp) === 4);
  });

  it('OFFSET_OUT_OF_RANGE resets to earliest or latest by auto.offset.reset, or is the partition error with none', async () => {
    const topic = 'out-of-range';
    await createTopic(topic);
    const plain = await producer();
    await plain.send({ topic, messages: ['a', 'b', 'c', 'd', 'e'].map((value) => ({ value })) });
    const admin = kafka.admin();
    await admin.connect();
    await admin.fetchTopicMetadata({ topics: [topic] }); // kafkajs's deleteTopicRecords needs it loaded
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '2' }] });
    await admin.disconnect();
    const tp: TopicPartition = { topic, partition: 0 };

    const earliest = fetcher({ autoOffsetReset: 'earliest' }).fetcher;
    earliest.assign([{ ...tp, position: 1 }]); // below the log start
    const fromStart = await pollUntil(earliest, (b) => values(b).length >= 3);
    expect(values(fromStart.batches)).toEqual(['c', 'd', 'e']);
    expect(offsets(fromStart.batches)).toEqual([2, 3, 4]);

    const latest = fetcher({ autoOffsetReset: 'latest' }).fetcher;
    latest.assign([{ ...tp, position: 100 }]); // past the end
    await pollUntil(latest, () => latest.position(tp) === 5);
    await plain.send({ topic, messages: [{ value: 'f' }] });
    const next = await pollUntil(latest, (b) => values(b).length >= 1);
    expect(values(next.batches)).toEqual(['f']);

    const none = fetcher({ autoOffsetReset: 'none' }).fetcher;
    none.assign([{ ...tp, position: 100 }]);
    const failed = await pollUntil(none, (_b, e) => e.length > 0);
    expect(failed.errors.map((e) => [e.topic, e.partition, e.error.message])).toEqual([[topic, 0, expect.stringMatching(/Fetch: OFFSET_OUT_OF_RANGE/)]]);
    expect(none.position(tp)).toBeNull();
    // A seek starts it again.
    none.seek(tp, 'earliest');
    const again = await pollUntil(none, (b) => values(b).length >= 4);
    expect(values(again.batches)).toEqual(['c', 'd', 'e', 'f']);
  });

  it('pause stops a partition without losing what was fetched; resume hands it out', async () => {
    const topic = 'pausing';
    await createTopic(topic, 2);
    const plain = await producer();
    const { fetcher: f } = fetcher();
    const [p0, p1] = [{ topic, partition: 0 }, { topic, partition: 1 }];
    f.assign([
      { ...p0, position: 0 },
      { ...p1, position: 0 },
    ]);
    f.pause([p1]);
    expect(f.paused()).toEqual([p1]);
    await plain.send({ topic, messages: [{ value: 'zero-1', partition: 0 }, { value: 'one-1', partition: 1 }] });
    const first = await pollUntil(f, (b) => values(b).length >= 1);
    for (let i = 0; i < 3; i++) first.batches.push(...(await f.poll(100)).batches);
    expect(values(first.batches)).toEqual(['zero-1']);
    expect(f.position(p1)).toBe(0);

    f.resume([p1]);
    await plain.send({ topic, messages: [{ value: 'zero-2', partition: 0 }] });
    const rest = await pollUntil(f, (b) => values(b).length >= 2);
    expect(values(rest.batches).sort()).toEqual(['one-1', 'zero-2']);
    expect([f.position(p0), f.position(p1)]).toEqual([2, 1]);
  });

  it('reconnects after the connection is lost and goes on from its position', async () => {
    const topic = 'reconnect';
    await createTopic(topic);
    const plain = await producer();
    await plain.send({ topic, messages: [{ value: 'one' }] });
    const { fetcher: f } = fetcher();
    f.assign([{ topic, partition: 0, position: 0 }]);
    expect(values((await pollUntil(f, (b) => values(b).length >= 1)).batches)).toEqual(['one']);
    const connectionsBefore = broker.broker.stats.connections;
    broker.broker.closeConnections(); // every client's, kafkajs's too: it reconnects on its own
    await plain.send({ topic, messages: [{ value: 'two' }] });
    const got = await pollUntil(f, (b, e) => values(b).length >= 1 || e.length > 0);
    expect([values(got.batches), got.errors]).toEqual([['two'], []]);
    expect(broker.broker.stats.connections).toBeGreaterThan(connectionsBefore);
  });

  it('decodes gzip, snappy, lz4 and zstd batches, and trims a batch the position starts inside', async () => {
    const topic = 'compressed';
    await createTopic(topic);
    const client = new KafkaClient({ bootstrapServers: [broker.bootstrap], clientId: 'fetcher-test-producer' });
    closers.push(() => client.close());
    const codecs: Compression[] = ['gzip', 'snappy', 'lz4', 'zstd'];
    for (const compression of codecs) {
      const batch = encodeRecordBatch({
        compression,
        records: Array.from({ length: 4 }, (_, i) => ({
          key: Buffer.from(`${compression}-key-${i}`),
          value: Buffer.from(`${compression}-${i}-`.repeat(20)),
          headers: [{ key: 'codec', value: Buffer.from(compression) }],
          timestamp: 1_700_000_000_000 + i,
        })),
      });
      const leader = await client.leaderFor(topic, 0);
      const res = await client.nodeRequest<ProduceResponse>(leader, ApiKey.Produce, {
        acks: -1,
        timeoutMs: 5000,
        topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }],
      });
      expect(res.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
    }
    const { fetcher: f } = fetcher();
    f.assign([{ topic, partition: 0, position: 0 }]);
    const got = await pollUntil(f, (b) => values(b).length >= 16);
    const records = got.batches.flatMap((b) => b.records);
    expect(records.map((r) => r.offset)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(records.map((r) => r.key!.toString())).toEqual(codecs.flatMap((c) => [0, 1, 2, 3].map((i) => `${c}-key-${i}`)));
    expect(records.every((r, i) => r.value!.toString() === `${codecs[Math.floor(i / 4)]}-${i % 4}-`.repeat(20))).toBe(true);
    expect(records.map((r) => r.headers[0]!.value!.toString())).toEqual(codecs.flatMap((c) => [c, c, c, c]));
    expect(records.map((r) => r.timestamp).slice(0, 4)).toEqual([0, 1, 2, 3].map((i) => 1_700_000_000_000 + i));

    // Offsets 4–7 are one snappy batch: from 6 the fetcher gets the whole batch and hands out 6 on.
    const middle = fetcher().fetcher;
    middle.assign([{ topic, partition: 0, position: 6 }]);
    const trimmed = await pollUntil(middle, (b) => values(b).length >= 10);
    expect(offsets(trimmed.batches)).toEqual(Array.from({ length: 10 }, (_, i) => 6 + i));
  });
});

describe('Fetcher on three nodes', () => {
  let broker: RunningBroker;
  let kafka: Kafka;
  const closers: (() => Promise<void> | void)[] = [];

  beforeAll(async () => {
    broker = await startBroker({ port: 0, dataDir: null, nodes: 3 });
    kafka = new Kafka({ brokers: [...broker.bootstrapServers], clientId: 'fetcher-test-3', ...silent });
  });
  afterAll(async () => {
    for (const close of closers.reverse()) await close()?.catch(() => {});
    await broker?.close();
  });

  /** A topic with one record per partition, and a fetcher whose every Fetch is recorded. */
  async function setUp(topic: string, partitions: number) {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: partitions }, (_, partition) => ({ partition, value: `p${partition}` })) });
    await producer.disconnect();
    const client = new KafkaClient({ bootstrapServers: [broker.bootstrap], clientId: 'fetcher-test-3' });
    const sent: Array<{ node: number; partitions: readonly PartitionFetch[] }> = [];
    const f = new Fetcher(client, { onFetch: (node, ps) => sent.push({ node, partitions: ps }) });
    closers.push(() => {
      f.close();
      client.close();
    });
    return { client, fetcher: f, sent, leaderOf: (partition: number) => broker.broker.cluster.leaderOf(topic, partition) };
  }

  it('sends each node fetches for the partitions it leads, and reads them all', async () => {
    const topic = 'spread';
    const { fetcher: f, sent, leaderOf } = await setUp(topic, 6);
    f.assign(Array.from({ length: 6 }, (_, partition) => ({ topic, partition, position: 0 })));
    const got = await pollUntil(f, (b) => values(b).length >= 6);
    expect(values(got.batches).sort()).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5']);

    expect(new Set([0, 1, 2, 3, 4, 5].map(leaderOf)).size).toBe(3);
    expect(new Set(sent.map((s) => s.node)).size).toBe(3);
    for (const s of sent) for (const p of s.partitions) expect([p.partition, leaderOf(p.partition)]).toEqual([p.partition, s.node]);
  });

  it('after NOT_LEADER_OR_FOLLOWER from a node that does not lead, refreshes the metadata and fetches from the leader', async () => {
    const topic = 'moved';
    const { client, fetcher: f, sent, leaderOf } = await setUp(topic, 1);
    await client.refreshMetadata([topic]);
    const leader = leaderOf(0);
    const wrong = broker.nodes.map((n) => n.nodeId).find((id) => id !== leader)!;
    // As if the leader had moved since this client last looked.
    client.metadata.topics.get(topic)!.partitions.get(0)!.leader = wrong;
    f.assign([{ topic, partition: 0, position: 0 }]);
    const got = await pollUntil(f, (b, e) => values(b).length >= 1 || e.length > 0);
    expect(got.errors).toEqual([]);
    expect(values(got.batches)).toEqual(['p0']);
    expect(sent[0]!.node).toBe(wrong);
    expect(sent.slice(1).map((s) => s.node)).toContain(leader);
    expect(sent.findIndex((s) => s.node === leader)).toBeGreaterThan(0);
  });
});
