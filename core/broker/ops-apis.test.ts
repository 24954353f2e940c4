// The transaction/producer inspection APIs (KIP-664): DescribeTransactions, ListTransactions,
// DescribeProducers, driven against real kafkajs transactional and idempotent producers. kafkajs
// has no admin calls for them, so the requests go out raw.
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../protocol/apis.js';
import { ErrorCode } from '../protocol/errors.js';
import type {
  ApiVersionsResponse,
  DescribeProducersResponse,
  DescribeProducersResponsePartitionResponse,
  DescribeTransactionsResponse,
  DescribeTransactionsResponseTransactionState,
  ListTransactionsResponse,
} from '../protocol/schema/generated/index.js';
import { startBroker, type RunningBroker } from './broker.js';
import { rawRequest } from './testing/raw-client.js';

const TOPIC = 'ops-txn';
const IDEM_TOPIC = 'ops-idem';

describe('DescribeTransactions / ListTransactions / DescribeProducers', () => {
  let b: RunningBroker;
  let kafka: Kafka;
  let admin: Admin;
  const producers: Producer[] = [];

  const describeTxn = async (...ids: string[]) =>
    (await rawRequest<DescribeTransactionsResponse>(b.address, ApiKey.DescribeTransactions, 0, { transactionalIds: ids }))
      .transactionStates;
  const describeOne = async (id: string): Promise<DescribeTransactionsResponseTransactionState> => (await describeTxn(id))[0]!;
  const listTxn = (body: { stateFilters?: string[]; producerIdFilters?: number[]; durationFilter?: number }, version = 1) =>
    rawRequest<ListTransactionsResponse>(b.address, ApiKey.ListTransactions, version, {
      stateFilters: body.stateFilters ?? [],
      producerIdFilters: body.producerIdFilters ?? [],
      durationFilter: body.durationFilter ?? -1,
    });
  const listedIds = async (body: Parameters<typeof listTxn>[0], version = 1) =>
    (await listTxn(body, version)).transactionStates.map((t) => t.transactionalId);
  const describeProducers = async (topic: string, partition: number): Promise<DescribeProducersResponsePartitionResponse> => {
    const res = await rawRequest<DescribeProducersResponse>(b.address, ApiKey.DescribeProducers, 0, {
      topics: [{ name: topic, partitionIndexes: [partition] }],
    });
    expect(res.topics[0]!.name).toBe(topic);
    return res.topics[0]!.partitions[0]!;
  };

  beforeAll(async () => {
    b = await startBroker({ port: 0, dataDir: null });
    kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'ops-apis', logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic: TOPIC, numPartitions: 2 },
        { topic: IDEM_TOPIC, numPartitions: 1 },
      ],
    });
  });
  afterAll(async () => {
    for (const p of producers) await p.disconnect();
    await admin?.disconnect();
    await b?.close();
  });

  it('are advertised by ApiVersions', async () => {
    const res = await rawRequest<ApiVersionsResponse>(b.address, ApiKey.ApiVersions, 3, {
      clientSoftwareName: 'ops-test',
      clientSoftwareVersion: '1',
    });
    const range = (key: number) => {
      const k = res.apiKeys.find((a) => a.apiKey === key);
      return k && [k.minVersion, k.maxVersion];
    };
    expect(range(ApiKey.DescribeProducers)).toEqual([0, 0]);
    expect(range(ApiKey.DescribeTransactions)).toEqual([0, 0]);
    expect(range(ApiKey.ListTransactions)).toEqual([0, 1]);
  });

  it('follow a kafkajs transaction from Ongoing on two partitions to CompleteCommit', async () => {
    const producer = kafka.producer({ transactionalId: 'ops-t', maxInFlightRequests: 1, idempotent: true });
    producers.push(producer);
    await producer.connect();

    const before = Date.now();
    // kafkajs sends InitProducerId here; the transaction begins on the broker with the first send.
    const txn = await producer.transaction();
    const empty = await describeOne('ops-t');
    expect(empty).toMatchObject({ errorCode: 0, transactionState: 'Empty', transactionStartTimeMs: -1, topics: [] });

    await txn.send({
      topic: TOPIC,
      messages: [
        { partition: 0, key: 'a', value: '1' },
        { partition: 1, key: 'b', value: '2' },
        { partition: 1, key: 'c', value: '3' },
      ],
    });

    const ongoing = await describeOne('ops-t');
    const record = b.broker.transactions.get('ops-t')!;
    expect(ongoing).toMatchObject({
      errorCode: 0,
      transactionalId: 'ops-t',
      transactionState: 'Ongoing',
      transactionTimeoutMs: record.timeoutMs,
      producerId: record.producerId,
      producerEpoch: record.producerEpoch,
    });
    expect(ongoing.producerId).toBeGreaterThanOrEqual(0);
    expect(ongoing.transactionStartTimeMs).toBeGreaterThanOrEqual(before);
    expect(ongoing.transactionStartTimeMs).toBeLessThanOrEqual(Date.now());
    expect(ongoing.topics).toHaveLength(1);
    expect(ongoing.topics[0]!.topic).toBe(TOPIC);
    expect([...ongoing.topics[0]!.partitions].sort()).toEqual([0, 1]);

    expect(await listedIds({ stateFilters: ['Ongoing'] })).toContain('ops-t');
    expect(await listedIds({ stateFilters: ['CompleteCommit'] })).not.toContain('ops-t');
    expect(await listedIds({ stateFilters: ['Ongoing'] }, 0)).toContain('ops-t');
    const listed = (await listTxn({})).transactionStates.find((t) => t.transactionalId === 'ops-t');
    expect(listed).toEqual({ transactionalId: 'ops-t', producerId: ongoing.producerId, transactionState: 'Ongoing' });

    // Open transaction, no marker yet on this partition: coordinator epoch -1 (Kafka's default).
    const p1 = await describeProducers(TOPIC, 1);
    expect(p1.errorCode).toBe(0);
    const prod1 = p1.activeProducers.find((p) => p.producerId === ongoing.producerId)!;
    expect(prod1).toMatchObject({ producerEpoch: ongoing.producerEpoch, coordinatorEpoch: -1, lastSequence: 1 });
    expect(prod1.currentTxnStartOffset).toBeGreaterThanOrEqual(0);
    expect(prod1.lastTimestamp).toBeGreaterThanOrEqual(before);
    const p0 = await describeProducers(TOPIC, 0);
    const prod0 = p0.activeProducers.find((p) => p.producerId === ongoing.producerId)!;
    expect(prod0).toMatchObject({ lastSequence: 0, currentTxnStartOffset: 0 });

    await txn.commit();

    const committed = await describeOne('ops-t');
    expect(committed).toMatchObject({
      errorCode: 0,
      transactionState: 'CompleteCommit',
      producerId: ongoing.producerId,
      producerEpoch: ongoing.producerEpoch,
      // Kafka keeps the start of the last transaction after it completes.
      transactionStartTimeMs: ongoing.transactionStartTimeMs,
      topics: [],
    });
    expect(await listedIds({ stateFilters: ['Ongoing'] })).not.toContain('ops-t');
    expect(await listedIds({ stateFilters: ['CompleteCommit'] })).toContain('ops-t');

    for (const partition of [0, 1]) {
      const after = (await describeProducers(TOPIC, partition)).activeProducers.find((p) => p.producerId === ongoing.producerId)!;
      // The COMMIT marker ended the transaction and recorded the coordinator's epoch (0).
      expect(after).toMatchObject({ currentTxnStartOffset: -1, coordinatorEpoch: 0, producerEpoch: ongoing.producerEpoch });
      expect(after.lastSequence).toBe(partition === 0 ? 0 : 1);
    }

    // A second transaction on partition 0 starts after the first one's marker.
    const txn2 = await producer.transaction();
    await txn2.send({ topic: TOPIC, messages: [{ partition: 0, key: 'd', value: '4' }] });
    const again = (await describeProducers(TOPIC, 0)).activeProducers.find((p) => p.producerId === ongoing.producerId)!;
    expect(again).toMatchObject({ lastSequence: 1, coordinatorEpoch: 0, currentTxnStartOffset: 2 });
    await txn2.abort();
    expect((await describeOne('ops-t')).transactionState).toBe('CompleteAbort');
    const aborted = (await describeProducers(TOPIC, 0)).activeProducers.find((p) => p.producerId === ongoing.producerId)!;
    expect(aborted.currentTxnStartOffset).toBe(-1);
  });

  it('report unknown and empty transactional ids per id', async () => {
    const [missing, blank] = await describeTxn('no-such-txn', '');
    expect(missing).toMatchObject({ transactionalId: 'no-such-txn', errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND });
    expect(missing!.errorCode).toBe(97);
    expect(blank).toMatchObject({ transactionalId: '', errorCode: ErrorCode.INVALID_REQUEST });
    expect(await describeTxn()).toEqual([]);
  });

  it('filter ListTransactions by state, producer id and duration', async () => {
    const producer = kafka.producer({ transactionalId: 'ops-list', maxInFlightRequests: 1, idempotent: true });
    producers.push(producer);
    await producer.connect();
    const txn = await producer.transaction(); // InitProducerId: the id exists, Empty
    const pid = b.broker.transactions.get('ops-list')!.producerId;

    const unknown = await listTxn({ stateFilters: ['Ongoing', 'Bogus', 'ongoing'] });
    expect(unknown.errorCode).toBe(0);
    expect(unknown.unknownStateFilters).toEqual(['Bogus', 'ongoing']);
    // Only unknown names: nothing matches.
    expect((await listTxn({ stateFilters: ['Bogus'] })).transactionStates).toEqual([]);

    expect(await listedIds({ producerIdFilters: [pid] })).toEqual(['ops-list']);
    expect(await listedIds({ producerIdFilters: [pid + 1000] })).toEqual([]);
    expect(await listedIds({ stateFilters: ['Empty'], producerIdFilters: [pid] })).toEqual(['ops-list']);
    // As in Kafka, the duration is measured from txnStartTimestamp, which is -1 while Empty.
    expect(await listedIds({ producerIdFilters: [pid], durationFilter: 3_600_000 })).toEqual(['ops-list']);

    await txn.send({ topic: TOPIC, messages: [{ partition: 0, value: 'x' }] });
    await new Promise((r) => setTimeout(r, 30));
    expect(await listedIds({ stateFilters: ['Ongoing'], durationFilter: 10 })).toEqual(['ops-list']);
    expect(await listedIds({ stateFilters: ['Ongoing'], durationFilter: 3_600_000 })).toEqual([]);
    expect(await listedIds({ stateFilters: ['Ongoing'], durationFilter: -1 })).toEqual(['ops-list']);
    await txn.commit();
  });

  it('show an idempotent producer with its last sequence', async () => {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    producers.push(producer);
    await producer.connect();
    const before = Date.now();
    await producer.send({ topic: IDEM_TOPIC, messages: Array.from({ length: 3 }, (_, i) => ({ partition: 0, value: `a${i}` })) });
    await producer.send({ topic: IDEM_TOPIC, messages: Array.from({ length: 4 }, (_, i) => ({ partition: 0, value: `b${i}` })) });

    const p = await describeProducers(IDEM_TOPIC, 0);
    expect(p).toMatchObject({ partitionIndex: 0, errorCode: 0, errorMessage: null });
    expect(p.activeProducers).toHaveLength(1);
    const [prod] = p.activeProducers;
    expect(prod).toMatchObject({ producerEpoch: 0, lastSequence: 6, coordinatorEpoch: -1, currentTxnStartOffset: -1 });
    expect(prod!.producerId).toBeGreaterThanOrEqual(0);
    expect(prod!.lastTimestamp).toBeGreaterThanOrEqual(before);
  });

  it('report unknown topics and partitions per partition', async () => {
    const res = await rawRequest<DescribeProducersResponse>(b.address, ApiKey.DescribeProducers, 0, {
      topics: [
        { name: 'no-such-topic', partitionIndexes: [0, 1] },
        { name: IDEM_TOPIC, partitionIndexes: [7, 0] },
      ],
    });
    expect(res.topics.map((t) => t.name)).toEqual(['no-such-topic', IDEM_TOPIC]);
    expect(res.topics[0]!.partitions.map((p) => [p.partitionIndex, p.errorCode])).toEqual([
      [0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      [1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    expect(res.topics[1]!.partitions.map((p) => [p.partitionIndex, p.errorCode])).toEqual([
      [7, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      [0, 0],
    ]);
  });
});
