// KafkaProducer against the embedded broker over TCP: idempotent batches over several
// partitions, resends that the broker recognises, transactions read back by a read_committed
// Fetcher and by kafkajs, offsets in transactions, fencing, a stale generation, compression.
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../broker/broker.js';
import { ApiKey } from '../../protocol/apis.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { Compression } from '../../protocol/records/index.js';
import type { OffsetFetchResponse } from '../../protocol/schema/generated/index.js';
import { KafkaClient } from '../client.js';
import { KafkaConnectionError } from '../errors.js';
import { Fetcher, type PartitionBatch } from '../fetcher.js';
import { GroupMember } from '../group/group-member.js';
import { stickyAssignor } from '../group/sticky-assignor.js';
import {
  CommitFailedError,
  IllegalProducerStateError,
  InvalidProducerEpochError,
  isTaskMigrated,
  ProducerFencedError,
  TRANSACTION_ABORTABLE,
  TransactionAbortableError,
  TransactionAbortedError,
} from './errors.js';
import { keyPartition } from './partitioner.js';
import type { ProducerEvent, TxnEvent } from './producer-events.js';
import { KafkaProducer, type ProducerOptions } from './producer.js';

describe('KafkaProducer against the embedded broker', () => {
  let b: RunningBroker;
  let topicSeq = 0;
  const cleanup: (() => Promise<void> | void)[] = [];

  beforeAll(async () => {
    b = await startBroker({ port: 0, dataDir: null, initialRebalanceDelayMs: 0 });
  });
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
  });
  afterAll(async () => {
    await b?.close();
  });

  function topic(partitions: number): string {
    const name = `out-${++topicSeq}`;
    b.broker.topics.create(name, partitions);
    return name;
  }

  function newClient(): KafkaClient {
    const client = new KafkaClient({ bootstrapServers: [b.bootstrap], clientId: 'producer-test' });
    cleanup.push(() => client.close());
    return client;
  }

  function producer(options: ProducerOptions = {}, client = newClient()): { producer: KafkaProducer; client: KafkaClient; events: ProducerEvent[] } {
    const events: ProducerEvent[] = [];
    const p = new KafkaProducer(client, { ...options, onEvent: (e) => events.push(e) });
    cleanup.push(() => p.close({ timeoutMs: 2000 }));
    return { producer: p, client, events };
  }

  /** Every record of the partitions under `isolation`, after `settleMs` with nothing new. */
  async function readAll(t: string, partitions: number, isolation: 'read_committed' | 'read_uncommitted', expected: number): Promise<PartitionBatch[]> {
    const client = newClient();
    const f = new Fetcher(client, { isolationLevel: isolation });
    cleanup.push(() => f.close());
    f.assign(Array.from({ length: partitions }, (_, partition) => ({ topic: t, partition, position: 'earliest' as const })));
    const batches: PartitionBatch[] = [];
    const end = Date.now() + 10_000;
    let count = 0;
    while (count < expected && Date.now() < end) {
      const r = await f.poll(200);
      batches.push(...r.batches);
      count = batches.reduce((n, x) => n + x.records.length, 0);
    }
    // A little longer, to see that nothing more comes.
    const r = await f.poll(300);
    batches.push(...r.batches);
    return batches;
  }

  const valuesOf = (batches: PartitionBatch[], partition?: number) =>
    batches.filter((x) => partition === undefined || x.partition === partition).flatMap((x) => x.records.map((r) => r.value?.toString() ?? 'null'));

  it('idempotent: many records over several partitions, in order, with their offsets', async () => {
    const t = topic(4);
    const { producer: p } = producer({ batchSize: 2048 });
    const records = Array.from({ length: 3000 }, (_, i) => ({ topic: t, key: `k${i % 37}`, value: `v${i}` }));
    // Several sends in flight at once: call order is append order.
    const results = (await Promise.all([p.send(records.slice(0, 1000)), p.send(records.slice(1000, 2000)), p.send(records.slice(2000))])).flat();
    expect(p.producerId).toBeGreaterThanOrEqual(0);
    expect(p.producerEpoch).toBe(0);
    const perPartition = new Map<number, { offset: number; value: string }[]>();
    results.forEach((m, i) => {
      expect(m.topic).toBe(t);
      expect(m.partition).toBe(keyPartition(Buffer.from(records[i]!.key), 4));
      const list = perPartition.get(m.partition) ?? [];
      list.push({ offset: m.offset, value: records[i]!.value });
      perPartition.set(m.partition, list);
    });
    expect(perPartition.size).toBe(4);
    const read = await readAll(t, 4, 'read_uncommitted', 3000);
    for (const [partition, list] of perPartition) {
      // Offsets 0..n-1 in send order, and the log holds exactly those values in that order.
      expect(list.map((x) => x.offset)).toEqual(list.map((_, i) => i));
      expect(valuesOf(read, partition)).toEqual(list.map((x) => x.value));
    }
  });

  it('a batch whose answer was lost is resent with the same sequence and written once', async () => {
    const t = topic(1);
    const { producer: p, client, events } = producer({ lingerMs: 0 });
    await p.send([{ topic: t, value: 'first' }]);
    // The next Produce reaches the broker, but its answer is "lost" as if the connection dropped.
    const real = client.nodeRequest.bind(client);
    let lost = 0;
    client.nodeRequest = (async (nodeId: number, apiKey: number, body: unknown, range?: object, timeoutMs?: number) => {
      const res = await real(nodeId, apiKey, body, range, timeoutMs);
      if (apiKey === ApiKey.Produce && lost++ === 0) throw new KafkaConnectionError('connection lost (test)', 'CLOSED', 'test');
      return res;
    }) as typeof client.nodeRequest;
    const [m] = await p.send([{ topic: t, value: 'second' }]);
    expect(lost).toBe(2);
    expect(m!.offset).toBe(1); // the offset of the first write, from the broker's duplicate check
    expect(events.some((e) => e.type === 'produce.retry')).toBe(true);
    expect(valuesOf(await readAll(t, 1, 'read_uncommitted', 2))).toEqual(['first', 'second']);
  });

  it('a lost request with more in flight: the later batches fail OUT_OF_ORDER_SEQUENCE_NUMBER and are resent in order', async () => {
    const t = topic(1);
    const { producer: p, client, events } = producer({ lingerMs: 0, batchSize: 100 });
    await p.send([{ topic: t, value: 'warm-up' }]); // the broker now knows the producer
    const real = client.nodeRequest.bind(client);
    let dropped = false;
    client.nodeRequest = ((nodeId: number, apiKey: number, body: unknown, range?: object, timeoutMs?: number) => {
      if (apiKey === ApiKey.Produce && !dropped) {
        dropped = true;
        return Promise.reject(new KafkaConnectionError('not sent (test)', 'CLOSED', 'test'));
      }
      return real(nodeId, apiKey, body, range, timeoutMs);
    }) as typeof client.nodeRequest;
    const values = Array.from({ length: 12 }, (_, i) => `r${i}-${'x'.repeat(60)}`);
    const metas = await p.send(values.map((value) => ({ topic: t, value })));
    expect(metas.map((m) => m.offset)).toEqual(values.map((_, i) => i + 1));
    const retries = events.filter((e) => e.type === 'produce.retry');
    expect(retries.some((e) => e.type === 'produce.retry' && e.error.code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)).toBe(true);
    expect(valuesOf(await readAll(t, 1, 'read_uncommitted', 13))).toEqual(['warm-up', ...values]);
  });

  it('transactions: committed records are read by read_committed readers (ours and kafkajs), aborted ones are not', async () => {
    const t = topic(2);
    const { producer: p, events } = producer({ transactionalId: `tx-${t}` });
    expect(p.state).toBe('UNINITIALIZED');
    await expect(p.send([{ topic: t, value: 'x' }])).rejects.toBeInstanceOf(IllegalProducerStateError);
    await p.initTransactions();
    expect(p.state).toBe('READY');
    await expect(p.commitTransaction()).rejects.toThrow(/Invalid transition attempted from state READY to state COMMITTING_TRANSACTION/);

    p.beginTransaction();
    await p.send(Array.from({ length: 10 }, (_, i) => ({ topic: t, partition: i % 2, value: `c1-${i}` })));
    await p.commitTransaction();
    p.beginTransaction();
    const aborted = p.send(Array.from({ length: 5 }, (_, i) => ({ topic: t, partition: i % 2, value: `a-${i}` })));
    await p.flush();
    await aborted;
    await p.abortTransaction();
    p.beginTransaction();
    // Unsent records of an aborted transaction fail with TransactionAbortedError.
    const never = p.send([{ topic: t, partition: 0, value: 'never' }]);
    await p.abortTransaction();
    await expect(never).rejects.toBeInstanceOf(TransactionAbortedError);
    p.beginTransaction();
    await p.send([{ topic: t, partition: 1, value: 'c2-0' }, { topic: t, partition: 1, value: 'c2-1' }]);
    await p.commitTransaction();
    expect(p.state).toBe('READY');

    const committed = [...Array.from({ length: 10 }, (_, i) => `c1-${i}`), 'c2-0', 'c2-1'].sort();
    expect(valuesOf(await readAll(t, 2, 'read_committed', 12)).sort()).toEqual(committed);
    expect(valuesOf(await readAll(t, 2, 'read_uncommitted', 17)).sort()).toEqual([...committed, ...Array.from({ length: 5 }, (_, i) => `a-${i}`)].sort());

    const phases = events.filter((e): e is TxnEvent => e.type === 'txn').map((e) => e.phase);
    expect(phases).toEqual([
      'init',
      'begin', 'partitions-added', 'committing', 'committed',
      'begin', 'partitions-added', 'aborting', 'aborted',
      'begin', 'aborting', 'aborted',
      'begin', 'partitions-added', 'committing', 'committed',
    ]);
    const committedEvent = events.find((e): e is TxnEvent => e.type === 'txn' && e.phase === 'committed')!;
    expect(committedEvent.partitions.map((x) => x.partition).sort()).toEqual([0, 1]);
    expect(committedEvent.producerId).toBe(p.producerId);

    const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'kafkajs-reader', logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `reader-${t}`, readUncommitted: false });
    cleanup.push(() => consumer.disconnect());
    await consumer.connect();
    await consumer.subscribe({ topic: t, fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    const end = Date.now() + 15_000;
    while (seen.length < 12 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.sort()).toEqual(committed);
  });

  async function committedOffset(client: KafkaClient, groupId: string, t: string, requireStable: boolean): Promise<{ offset: number; errorCode: number }> {
    const res = await client.coordinatorRequest<OffsetFetchResponse>('group', groupId, ApiKey.OffsetFetch, { groupId, topics: [{ name: t, partitionIndexes: [0] }], requireStable }, {
      range: { min: 7, max: 7 },
      errorOf: (r) => r.errorCode,
    });
    const p = res.topics[0]!.partitions[0]!;
    return { offset: p.committedOffset, errorCode: p.errorCode };
  }

  it('sendOffsetsToTransaction: the offsets count only once the transaction commits', async () => {
    const t = topic(1);
    const groupId = `g-${t}`;
    const { producer: p, client } = producer({ transactionalId: `tx-${t}` });
    await p.initTransactions();
    const group = { groupId, generationId: -1, memberId: '', groupInstanceId: null };

    p.beginTransaction();
    await p.send([{ topic: t, value: 'out' }]);
    await p.sendOffsetsToTransaction([{ topic: t, partition: 0, offset: 7 }], group);
    expect(await committedOffset(client, groupId, t, false)).toEqual({ offset: -1, errorCode: 0 });
    expect((await committedOffset(client, groupId, t, true)).errorCode).toBe(ErrorCode.UNSTABLE_OFFSET_COMMIT);
    await p.abortTransaction();
    expect(await committedOffset(client, groupId, t, true)).toEqual({ offset: -1, errorCode: 0 });

    p.beginTransaction();
    // Offsets alone make a transaction too (no records).
    await p.sendOffsetsToTransaction([{ topic: t, partition: 0, offset: 42, metadata: 'm' }], group);
    expect((await committedOffset(client, groupId, t, false)).offset).toBe(-1);
    await p.commitTransaction();
    expect(await committedOffset(client, groupId, t, true)).toEqual({ offset: 42, errorCode: 0 });
  });

  it('a second producer with the same transactional id fences the first', async () => {
    const t = topic(2);
    const txnId = `tx-${t}`;
    const first = producer({ transactionalId: txnId });
    await first.producer.initTransactions();
    first.producer.beginTransaction();
    await first.producer.send([{ topic: t, partition: 0, value: 'zombie' }]);

    const second = producer({ transactionalId: txnId });
    await second.producer.initTransactions();
    expect(second.producer.producerId).toBe(first.producer.producerId);
    // Two bumps, as Kafka's coordinator does: one to fence and abort the open transaction, one for the new producer.
    expect(second.producer.producerEpoch).toBe(first.producer.producerEpoch + 2);

    const err = await first.producer.commitTransaction().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProducerFencedError);
    expect((err as ProducerFencedError).code).toBe(ErrorCode.PRODUCER_FENCED);
    expect(isTaskMigrated(err)).toBe(true);
    expect(first.producer.state).toBe('FATAL_ERROR');
    expect(() => first.producer.beginTransaction()).toThrow(ProducerFencedError);
    await expect(first.producer.send([{ topic: t, value: 'x' }])).rejects.toBeInstanceOf(ProducerFencedError);
    expect(first.events.some((e) => e.type === 'txn' && e.phase === 'fenced')).toBe(true);

    // The zombie's records were aborted by the fence; the new producer works.
    second.producer.beginTransaction();
    await second.producer.send([{ topic: t, partition: 1, value: 'fresh' }]);
    await second.producer.commitTransaction();
    expect(valuesOf(await readAll(t, 2, 'read_committed', 1))).toEqual(['fresh']);
  });

  it('a fenced producer sending to a new partition fails at AddPartitionsToTxn', async () => {
    const t = topic(2);
    const txnId = `tx-${t}`;
    const first = producer({ transactionalId: txnId });
    await first.producer.initTransactions();
    first.producer.beginTransaction();
    await producer({ transactionalId: txnId }).producer.initTransactions();
    const err = await first.producer.send([{ topic: t, partition: 1, value: 'late' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProducerFencedError);
    expect(first.producer.state).toBe('FATAL_ERROR');
  });

  it('INVALID_PRODUCER_EPOCH on Produce is abortable (KIP-588); the abort then finds the producer fenced', async () => {
    const t = topic(1);
    const txnId = `tx-${t}`;
    const first = producer({ transactionalId: txnId });
    await first.producer.initTransactions();
    first.producer.beginTransaction();
    await first.producer.send([{ topic: t, value: 'one' }]);
    await producer({ transactionalId: txnId }).producer.initTransactions();
    const err = await first.producer.send([{ topic: t, value: 'two' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidProducerEpochError);
    expect(isTaskMigrated(err)).toBe(true);
    expect(first.producer.state).toBe('ABORTABLE_ERROR');
    await expect(first.producer.abortTransaction()).rejects.toBeInstanceOf(ProducerFencedError);
    expect(first.producer.state).toBe('FATAL_ERROR');
  });

  it('TRANSACTION_ABORTABLE on Produce: abort, then InitProducerId with the current id and epoch bumps the epoch (KIP-360)', async () => {
    const t = topic(1);
    const { producer: p, client, events } = producer({ transactionalId: `tx-${t}` });
    await p.initTransactions();
    const epoch = p.producerEpoch;
    p.beginTransaction();
    await p.send([{ topic: t, value: 'kept-out' }]);
    const real = client.nodeRequest.bind(client);
    let faked = false;
    client.nodeRequest = ((nodeId: number, apiKey: number, body: unknown, range?: object, timeoutMs?: number) => {
      if (apiKey === ApiKey.Produce && !faked) {
        faked = true;
        return Promise.resolve({ responses: [{ name: t, partitionResponses: [{ index: 0, errorCode: TRANSACTION_ABORTABLE, baseOffset: -1, logAppendTimeMs: -1, errorMessage: null }] }] });
      }
      return real(nodeId, apiKey, body, range, timeoutMs);
    }) as typeof client.nodeRequest;
    const err = await p.send([{ topic: t, value: 'refused' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransactionAbortableError);
    expect((err as TransactionAbortableError).errorName).toBe('TRANSACTION_ABORTABLE');
    expect(p.state).toBe('ABORTABLE_ERROR');
    await p.abortTransaction();
    expect(p.state).toBe('READY');
    expect(p.producerEpoch).toBe(epoch + 1);
    expect(events.some((e) => e.type === 'txn' && e.phase === 'epoch-bumped')).toBe(true);
    // The new epoch starts its sequences at 0, which the broker accepts.
    p.beginTransaction();
    await p.send([{ topic: t, value: 'after-bump' }]);
    await p.commitTransaction();
    expect(valuesOf(await readAll(t, 1, 'read_committed', 1))).toEqual(['after-bump']);
  });

  it('TxnOffsetCommit with a stale generation is CommitFailedError; after the abort the producer goes on', async () => {
    const t = topic(1);
    const groupId = `g-${t}`;
    const memberClient = newClient();
    const member = new GroupMember(memberClient, {
      groupId,
      topics: [t],
      assignor: stickyAssignor('cooperative'),
      rebalanceProtocol: 'cooperative',
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 300,
    });
    cleanup.push(() => member.close({ leaveGroup: false }));
    await member.start();
    const { producer: p, client } = producer({ transactionalId: `tx-${t}` });
    await p.initTransactions();
    const current = { groupId, generationId: member.generationId, memberId: member.memberId, groupInstanceId: null };

    p.beginTransaction();
    await p.send([{ topic: t, value: 'out' }]);
    const err = await p.sendOffsetsToTransaction([{ topic: t, partition: 0, offset: 5 }], { ...current, generationId: current.generationId + 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommitFailedError);
    expect((err as CommitFailedError).code).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(isTaskMigrated(err)).toBe(true);
    expect(p.state).toBe('ABORTABLE_ERROR');
    await expect(p.commitTransaction()).rejects.toBe(err);
    await expect(p.send([{ topic: t, value: 'more' }])).rejects.toBe(err);
    const unknownMember = await (async () => {
      await p.abortTransaction();
      p.beginTransaction();
      return p.sendOffsetsToTransaction([{ topic: t, partition: 0, offset: 5 }], { ...current, memberId: 'someone-else' }).catch((e: unknown) => e);
    })();
    expect((unknownMember as CommitFailedError).code).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    await p.abortTransaction();
    expect(p.state).toBe('READY');

    p.beginTransaction();
    await p.send([{ topic: t, value: 'ok' }]);
    await p.sendOffsetsToTransaction([{ topic: t, partition: 0, offset: 9 }], current);
    await p.commitTransaction();
    expect(await committedOffset(client, groupId, t, true)).toEqual({ offset: 9, errorCode: 0 });
    expect(valuesOf(await readAll(t, 1, 'read_committed', 1))).toEqual(['ok']);
  });

  it.each<Compression>(['gzip', 'snappy', 'lz4', 'zstd'])('compression %s: batches round-trip', async (compression) => {
    const t = topic(2);
    const { producer: p } = producer({ compression, transactionalId: `tx-${t}` });
    await p.initTransactions();
    p.beginTransaction();
    const values = Array.from({ length: 200 }, (_, i) => `${compression}-${i}-${'abc'.repeat(i % 20)}`);
    await p.send(values.map((value, i) => ({ topic: t, key: `k${i}`, value, headers: { n: String(i) } })));
    await p.commitTransaction();
    const read = await readAll(t, 2, 'read_committed', 200);
    expect(valuesOf(read).sort()).toEqual([...values].sort());
    const rec = read.flatMap((x) => x.records).find((r) => r.value?.toString() === values[7]);
    expect(rec?.key?.toString()).toBe('k7');
    expect(rec?.headers.map((h) => [h.key, h.value?.toString()])).toEqual([['n', '7']]);
  });

  it('close() aborts an open transaction and leaves the client open', async () => {
    const t = topic(1);
    const { producer: p, client } = producer({ transactionalId: `tx-${t}` });
    await p.initTransactions();
    p.beginTransaction();
    await p.send([{ topic: t, value: 'left-open' }]);
    await p.close();
    expect(p.state).toBe('READY');
    await expect(p.send([{ topic: t, value: 'x' }])).rejects.toBeInstanceOf(IllegalProducerStateError);
    // The client still works for others.
    await client.refreshMetadata([t]);
    const again = producer({ transactionalId: `tx-${t}` }, client);
    await again.producer.initTransactions();
    again.producer.beginTransaction();
    await again.producer.send([{ topic: t, value: 'next' }]);
    await again.producer.commitTransaction();
    expect(valuesOf(await readAll(t, 1, 'read_committed', 1))).toEqual(['next']);
  });
});
