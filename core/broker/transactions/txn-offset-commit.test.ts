// TxnOffsetCommit as Kafka 4.x answers it. Every version is verified with the transaction
// coordinator (transaction.partition.verification.enable, on by default since 3.6): the group's
// __consumer_offsets partition must be in the producer's transaction (AddOffsetsToTxn put it
// there, for any group on that partition). v0-3 get INVALID_TXN_STATE where v4 gets
// TRANSACTION_ABORTABLE; an unknown or mismatched producer gets INVALID_PRODUCER_ID_MAPPING and a
// stale epoch INVALID_PRODUCER_EPOCH at every version. Held offsets are hidden from OffsetFetch
// (UNSTABLE_OFFSET_COMMIT with require_stable), materialized by the COMMIT marker unless a later
// commit of the partition overtook them, dropped on ABORT.
// Clients: raw requests at v0-4; kafkajs (its transaction API and its own Broker class, which send
// v1); librdkafka (confluent-kafka-python, v3); kafka-python 2.0.2 has no transactions, so it
// only reads the outcome (OffsetFetch).
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../protocol/apis.js';
import { ErrorCode } from '../../protocol/errors.js';
import type {
  AddOffsetsToTxnResponse,
  DescribeTransactionsResponse,
  EndTxnResponse,
  InitProducerIdResponse,
  OffsetCommitResponse,
  OffsetFetchResponse,
  TxnOffsetCommitResponse,
} from '../../protocol/schema/generated/index.js';
import { PYTHON, pythonCanImport } from '../../testing/python-clients.js';
import { startBroker, type RunningBroker } from '../broker.js';
import { offsetsPartitionFor } from '../groups/offset-store.js';
import { rawRequest } from '../testing/raw-client.js';

const TOPIC = 'toc-in';
const VERSIONS = [0, 1, 2, 3, 4] as const;

interface Txn {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
}

describe('TxnOffsetCommit (verified at every version, as Kafka 4.x)', () => {
  let b: RunningBroker;

  beforeAll(async () => {
    b = await startBroker({ port: 0, dataDir: null });
    b.broker.topics.create(TOPIC, 3);
  });
  afterAll(async () => {
    await b?.close();
  });

  const init = async (transactionalId: string): Promise<Txn> => {
    const r = await rawRequest<InitProducerIdResponse>(b.address, ApiKey.InitProducerId, 1, { transactionalId, transactionTimeoutMs: 60_000 });
    expect(r.errorCode).toBe(0);
    return { transactionalId, producerId: r.producerId, producerEpoch: r.producerEpoch };
  };
  const addOffsets = async (txn: Txn, groupId: string) =>
    (await rawRequest<AddOffsetsToTxnResponse>(b.address, ApiKey.AddOffsetsToTxn, 1, { ...txn, groupId })).errorCode;
  const endTxn = async (txn: Txn, committed: boolean) =>
    (await rawRequest<EndTxnResponse>(b.address, ApiKey.EndTxn, 1, { ...txn, committed })).errorCode;
  /** Every partition's error code of a TxnOffsetCommit at `version`. */
  const txnCommit = async (version: number, txn: Txn, groupId: string, offsets: Record<number, number>, topic = TOPIC) => {
    const res = await rawRequest<TxnOffsetCommitResponse>(b.address, ApiKey.TxnOffsetCommit, version, {
      ...txn,
      groupId,
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        {
          name: topic,
          partitions: Object.entries(offsets).map(([p, o]) => ({ partitionIndex: Number(p), committedOffset: o, committedLeaderEpoch: -1, committedMetadata: 'm' })),
        },
      ],
    });
    return res.topics.flatMap((t) => t.partitions.map((p) => p.errorCode));
  };
  /** OffsetFetch v7: [offset, error] per partition, and the top-level error. */
  const fetchOffsets = async (groupId: string, partitions: number[], requireStable: boolean) => {
    const res = await rawRequest<OffsetFetchResponse>(b.address, ApiKey.OffsetFetch, 7, {
      groupId,
      topics: [{ name: TOPIC, partitionIndexes: partitions }],
      requireStable,
    });
    expect(res.errorCode).toBe(0);
    return res.topics[0]!.partitions.map((p) => [p.committedOffset, p.errorCode]);
  };
  const plainCommit = async (groupId: string, partition: number, offset: number) => {
    const res = await rawRequest<OffsetCommitResponse>(b.address, ApiKey.OffsetCommit, 2, {
      groupId,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      retentionTimeMs: -1,
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: partition, committedOffset: offset, committedMetadata: '' }] }],
    });
    expect(res.topics[0]!.partitions[0]!.errorCode).toBe(0);
  };

  it.each(VERSIONS)('v%i: held until the COMMIT marker, unstable meanwhile, then committed', async (v) => {
    const groupId = `toc-commit-${v}`;
    const txn = await init(`toc-commit-tx-${v}`);
    expect(await addOffsets(txn, groupId)).toBe(0);
    expect(await txnCommit(v, txn, groupId, { 0: 10 + v, 1: 20 + v })).toEqual([0, 0]);
    // Not visible before the commit: require_stable says so, a plain fetch sees nothing yet.
    expect(await fetchOffsets(groupId, [0, 1, 2], true)).toEqual([
      [-1, ErrorCode.UNSTABLE_OFFSET_COMMIT],
      [-1, ErrorCode.UNSTABLE_OFFSET_COMMIT],
      [-1, 0],
    ]);
    expect(await fetchOffsets(groupId, [0, 1], false)).toEqual([
      [-1, 0],
      [-1, 0],
    ]);
    expect(await endTxn(txn, true)).toBe(0);
    expect(await fetchOffsets(groupId, [0, 1], true)).toEqual([
      [10 + v, 0],
      [20 + v, 0],
    ]);
  });

  it.each(VERSIONS)('v%i: dropped by the ABORT marker', async (v) => {
    const groupId = `toc-abort-${v}`;
    const txn = await init(`toc-abort-tx-${v}`);
    await plainCommit(groupId, 0, 3);
    expect(await addOffsets(txn, groupId)).toBe(0);
    expect(await txnCommit(v, txn, groupId, { 0: 30 })).toEqual([0]);
    expect(await fetchOffsets(groupId, [0], true)).toEqual([[-1, ErrorCode.UNSTABLE_OFFSET_COMMIT]]);
    expect(await fetchOffsets(groupId, [0], false)).toEqual([[3, 0]]);
    expect(await endTxn(txn, false)).toBe(0);
    expect(await fetchOffsets(groupId, [0], true)).toEqual([[3, 0]]);
  });

  it.each(VERSIONS)('v%i: without AddOffsetsToTxn the verification fails and nothing is held, then or at the commit', async (v) => {
    const groupId = `toc-unadded-${v}`;
    const txn = await init(`toc-unadded-tx-${v}`);
    // No transaction at all yet (state Empty), then an Ongoing one for some other partition.
    const missing = v >= 4 ? ErrorCode.TRANSACTION_ABORTABLE : ErrorCode.INVALID_TXN_STATE;
    expect(await txnCommit(v, txn, groupId, { 0: 5 })).toEqual([missing]);
    const other = otherGroupThan(groupId);
    expect(await addOffsets(txn, other)).toBe(0);
    expect(await txnCommit(v, txn, groupId, { 0: 5 })).toEqual([missing]);
    expect(await fetchOffsets(groupId, [0], true)).toEqual([[-1, 0]]);
    expect(await endTxn(txn, true)).toBe(0);
    expect(await fetchOffsets(groupId, [0], true)).toEqual([[-1, 0]]);
    // After the commit the partition is out of the transaction again.
    expect(await txnCommit(v, txn, other, { 0: 5 })).toEqual([missing]);
  });

  it.each(VERSIONS)('v%i: an unknown or mismatched producer is INVALID_PRODUCER_ID_MAPPING, a stale epoch INVALID_PRODUCER_EPOCH', async (v) => {
    const groupId = `toc-producer-${v}`;
    // kafkajs's own integration suite ("ignores invalid transaction fields") expects these to be
    // accepted, as Kafka did before KIP-890; Kafka 4.x verifies them.
    const bogus = { transactionalId: `toc-no-such-tx-${v}`, producerId: 999, producerEpoch: 999 };
    expect(await txnCommit(v, bogus, groupId, { 0: 1 })).toEqual([ErrorCode.INVALID_PRODUCER_ID_MAPPING]);
    const old = await init(`toc-producer-tx-${v}`);
    const current = await init(old.transactionalId); // the next epoch: `old` is fenced
    expect(current.producerEpoch).toBe(old.producerEpoch + 1);
    expect(await addOffsets(current, groupId)).toBe(0);
    expect(await txnCommit(v, { ...current, producerId: current.producerId + 1000 }, groupId, { 0: 1 })).toEqual([
      ErrorCode.INVALID_PRODUCER_ID_MAPPING,
    ]);
    // Even where the version knows PRODUCER_FENCED (v2+): the verification answers 47.
    expect(await txnCommit(v, old, groupId, { 0: 1 })).toEqual([ErrorCode.INVALID_PRODUCER_EPOCH]);
    expect(await fetchOffsets(groupId, [0], true)).toEqual([[-1, 0]]);
    expect(await endTxn(current, false)).toBe(0);
  });

  it('answers unknown topics and partitions by themselves, and an empty group id INVALID_GROUP_ID', async () => {
    const txn = await init('toc-unknown-tx');
    expect(await addOffsets(txn, 'toc-unknown')).toBe(0);
    expect(await txnCommit(3, txn, 'toc-unknown', { 0: 1, 7: 1 })).toEqual([0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    expect(await txnCommit(3, txn, 'toc-unknown', { 0: 1 }, 'toc-no-such-topic')).toEqual([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    expect(await txnCommit(3, txn, '', { 0: 1 })).toEqual([ErrorCode.INVALID_GROUP_ID]);
    expect(await endTxn(txn, false)).toBe(0);
  });

  it("AddOffsetsToTxn adds the group's __consumer_offsets partition: it covers every group there, and the marker settles them all", async () => {
    const groupA = 'toc-shared-a';
    const groupB = sameOffsetsPartitionAs(groupA);
    const txn = await init('toc-shared-tx');
    expect(await addOffsets(txn, groupA)).toBe(0);
    const described = await rawRequest<DescribeTransactionsResponse>(b.address, ApiKey.DescribeTransactions, 0, { transactionalIds: [txn.transactionalId] });
    expect(described.transactionStates[0]!.topics.map((t) => [t.topic, [...t.partitions]])).toEqual([['__consumer_offsets', [offsetsPartitionFor(groupA, 50)]]]);
    expect(await txnCommit(0, txn, groupB, { 2: 42 })).toEqual([0]);
    expect(await endTxn(txn, true)).toBe(0);
    expect(await fetchOffsets(groupB, [2], true)).toEqual([[42, 0]]);
    expect(await fetchOffsets(groupA, [2], true)).toEqual([[-1, 0]]);
  });

  it('the COMMIT marker keeps a later OffsetCommit of the partition (Kafka keeps the most recent record)', async () => {
    const groupId = 'toc-order';
    const txn = await init('toc-order-tx');
    await plainCommit(groupId, 1, 4); // before the transactional record: overwritten
    expect(await addOffsets(txn, groupId)).toBe(0);
    expect(await txnCommit(3, txn, groupId, { 0: 50, 1: 51 })).toEqual([0, 0]);
    await plainCommit(groupId, 0, 60); // after it: kept
    expect(await endTxn(txn, true)).toBe(0);
    expect(await fetchOffsets(groupId, [0, 1], true)).toEqual([
      [60, 0],
      [51, 0],
    ]);

    // Two transactions on one partition: the one written last wins, whichever commits first.
    const t1 = await init('toc-order-tx1');
    const t2 = await init('toc-order-tx2');
    expect(await addOffsets(t1, groupId)).toBe(0);
    expect(await addOffsets(t2, groupId)).toBe(0);
    expect(await txnCommit(3, t1, groupId, { 2: 70 })).toEqual([0]);
    expect(await txnCommit(3, t2, groupId, { 2: 80 })).toEqual([0]);
    expect(await endTxn(t1, true)).toBe(0);
    expect(await endTxn(t2, true)).toBe(0);
    expect(await fetchOffsets(groupId, [2], true)).toEqual([[80, 0]]);
    const t3 = await init('toc-order-tx3');
    const t4 = await init('toc-order-tx4');
    expect(await addOffsets(t3, groupId)).toBe(0);
    expect(await addOffsets(t4, groupId)).toBe(0);
    expect(await txnCommit(3, t3, groupId, { 2: 90 })).toEqual([0]);
    expect(await txnCommit(3, t4, groupId, { 2: 100 })).toEqual([0]);
    expect(await endTxn(t4, true)).toBe(0);
    expect(await endTxn(t3, true)).toBe(0);
    expect(await fetchOffsets(groupId, [2], true)).toEqual([[100, 0]]);
  });

  describe('with real clients', () => {
    const kafka = (clientId: string) => new Kafka({ brokers: [b.bootstrap], clientId, logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 100 } });

    it('kafkajs: sendOffsets (TxnOffsetCommit v1) commits with the transaction and is dropped by an abort', async () => {
      const admin = kafka('toc-admin').admin();
      await admin.connect();
      const producer = kafka('toc-kjs').producer({ transactionalId: 'toc-kjs-tx', idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      try {
        for (const [commit, offset] of [
          [true, '7'],
          [false, '9'],
        ] as const) {
          const txn = await producer.transaction();
          await txn.sendOffsets({ consumerGroupId: 'toc-kjs', topics: [{ topic: TOPIC, partitions: [{ partition: 0, offset }] }] });
          await (commit ? txn.commit() : txn.abort());
        }
        const fetched = await admin.fetchOffsets({ groupId: 'toc-kjs', topics: [TOPIC] });
        expect(fetched[0]!.partitions.find((p) => p.partition === 0)?.offset).toBe('7');
      } finally {
        await producer.disconnect();
        await admin.disconnect();
      }
    });

    it("kafkajs's Broker.txnOffsetCommit (v1): accepted after addOffsetsToTxn, rejected with bogus transaction fields", async () => {
      const kjs = await kafkajsBroker(b.address.host, b.address.port);
      try {
        const { producerId, producerEpoch } = await kjs.initProducerId({ transactionalId: 'toc-kjs-raw', transactionTimeout: 30_000 });
        const txn = { transactionalId: 'toc-kjs-raw', producerId, producerEpoch };
        await kjs.addOffsetsToTxn({ ...txn, groupId: 'toc-kjs-raw-group' });
        const topics = [{ topic: TOPIC, partitions: [{ partition: 0, offset: '0' }, { partition: 1, offset: '0' }] }];
        const ok = await kjs.txnOffsetCommit({ ...txn, groupId: 'toc-kjs-raw-group', topics });
        expect(ok.topics[0].partitions.map((p: { errorCode: number }) => p.errorCode)).toEqual([0, 0]);
        await expect(
          kjs.txnOffsetCommit({ transactionalId: 'foo', groupId: 'toc-kjs-raw-group', producerId: 999, producerEpoch: 999, topics }),
        ).rejects.toMatchObject({ type: 'INVALID_PRODUCER_ID_MAPPING' });
      } finally {
        await kjs.disconnect();
      }
    });

    it.runIf(pythonCanImport('confluent_kafka'))('librdkafka (confluent-kafka-python): send_offsets_to_transaction (v3) commits; kafka-python reads it', { timeout: 90_000 }, async () => {
      const script = `
import sys
from confluent_kafka import Producer, Consumer, TopicPartition
bootstrap, topic, group = sys.argv[1], sys.argv[2], sys.argv[3]
c = Consumer({'bootstrap.servers': bootstrap, 'group.id': group, 'enable.auto.commit': False})
p = Producer({'bootstrap.servers': bootstrap, 'transactional.id': group + '-tx'})
p.init_transactions(30)
for commit, offset in ((True, 11), (False, 13)):
    p.begin_transaction()
    p.send_offsets_to_transaction([TopicPartition(topic, 1, offset)], c.consumer_group_metadata(), 30)
    (p.commit_transaction if commit else p.abort_transaction)(30)
c.close()
`;
      await promisify(execFile)(PYTHON, ['-c', script, b.bootstrap, TOPIC, 'toc-rd'], { timeout: 80_000 });
      expect(await fetchOffsets('toc-rd', [1], true)).toEqual([[11, 0]]);
      if (pythonCanImport('kafka')) {
        const read = `
import sys, json
from kafka import KafkaAdminClient
admin = KafkaAdminClient(bootstrap_servers=sys.argv[1], client_id='toc-read')
offsets = admin.list_consumer_group_offsets(sys.argv[2])
print(json.dumps({'%s-%d' % (tp.topic, tp.partition): m.offset for tp, m in offsets.items()}))
admin.close()
`;
        const { stdout } = await promisify(execFile)(PYTHON, ['-c', read, b.bootstrap, 'toc-rd'], { timeout: 30_000 });
        expect(JSON.parse(stdout)).toEqual({ [`${TOPIC}-1`]: 11 });
      }
    });
  });
});

/** A group id on a different __consumer_offsets partition (of 50) than `groupId`. */
function otherGroupThan(groupId: string): string {
  for (let i = 0; ; i++) {
    const g = `${groupId}-other-${i}`;
    if (offsetsPartitionFor(g, 50) !== offsetsPartitionFor(groupId, 50)) return g;
  }
}

/** Another group id on the same __consumer_offsets partition (of 50) as `groupId`. */
function sameOffsetsPartitionAs(groupId: string): string {
  for (let i = 0; ; i++) {
    const g = `${groupId}-twin-${i}`;
    if (offsetsPartitionFor(g, 50) === offsetsPartitionFor(groupId, 50)) return g;
  }
}

/* eslint-disable @typescript-eslint/no-explicit-any -- kafkajs's Broker class is untyped JavaScript */
/** kafkajs's own Broker (what its integration suite drives), connected to one node. */
async function kafkajsBroker(host: string, port: number): Promise<any> {
  const require = createRequire(import.meta.url);
  const Broker = require('kafkajs/src/broker/index.js');
  const ConnectionPool = require('kafkajs/src/network/connectionPool.js');
  const socketFactory = require('kafkajs/src/network/socketFactory.js')();
  const { createLogger, LEVELS } = require('kafkajs/src/loggers/index.js');
  const logger = createLogger({ level: LEVELS.NOTHING, logCreator: () => () => {} });
  const connectionPool = new ConnectionPool({
    host,
    port,
    logger,
    socketFactory,
    clientId: 'toc-kjs-broker',
    requestTimeout: 30_000,
    connectionTimeout: 5_000,
    enforceRequestTimeout: true,
  });
  const broker = new Broker({ connectionPool, logger });
  await broker.connect();
  return broker;
}
