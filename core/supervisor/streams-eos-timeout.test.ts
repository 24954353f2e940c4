// exactly_once_v2, a crash at the worst moment: the instance has put its offsets into its
// transaction (TxnOffsetCommit) but dies before EndTxn. Nobody will ever end that transaction but
// the transaction coordinator, after transaction.timeout.ms. Until then the offsets are pending:
// the next owner's OffsetFetch with require_stable is answered UNSTABLE_OFFSET_COMMIT and it must
// wait, neither reading the pending offsets (that would skip the aborted records) nor the old ones
// while the outputs could still commit (that would duplicate them).
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../broker/broker.js';
import { waitFor } from '../broker/testing/wait.js';
import { builtInApp } from '../apps/instances/catalog.js';
import { LoadGenerator } from '../apps/load-generator.js';
import { Verifier } from '../apps/verifier.js';
import { CRASH_POINT_EXIT_CODE } from '../streams/runtime/crash-points.js';
import { createTopics, expectExactlyOnce, superviseStreams, taskEvents, txnEvents } from './testing/streams-harness.js';

const SESSION_TIMEOUT_MS = 6_000;
/** Longer than the session timeout and the rebalance, so the next owner meets the open transaction. */
const TRANSACTION_TIMEOUT_MS = 15_000;
let b: RunningBroker;

beforeAll(async () => {
  b = await startBroker({ port: 0, dataDir: null });
});
afterAll(async () => {
  await b?.close();
});

it('a killed instance’s open transaction is aborted by the coordinator’s timeout, and the new owner waits for the stable offset', async () => {
  const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'eos-timeout-test', logLevel: logLevel.NOTHING });
  await createTopics(kafka, ['transfers', 'ledger'], 2);
  const { supervisor, exits, of } = superviseStreams();
  const config = {
    applicationId: 'bank-eos-timeout',
    bootstrapServers: [b.bootstrap],
    processingGuarantee: 'exactly_once_v2',
    sessionTimeoutMs: SESSION_TIMEOUT_MS,
    heartbeatIntervalMs: 500,
    transactionTimeoutMs: TRANSACTION_TIMEOUT_MS,
  };
  const module = builtInApp('bank-ledger').module;
  const verifier = new Verifier({ kafka, app: 'bank-ledger' });
  await verifier.start();
  const load = new LoadGenerator({ kafka, topic: 'transfers', ratePerSecond: 100, keys: 20, kind: 'transfers' });
  try {
    await load.start();
    supervisor.start(module, { ...config, crashAt: 'after-txn-offsets' }, { id: 'doomed' });
    await waitFor('the doomed instance to die between TxnOffsetCommit and EndTxn', () => exits.has('doomed'), 30_000);
    const exit = exits.get('doomed')!;
    expect(exit.code).toBe(CRASH_POINT_EXIT_CODE);
    const begun = txnEvents(of('doomed'), 'begin').at(-1);
    const offsetsAdded = txnEvents(of('doomed'), 'offsets-added').at(-1);
    expect(begun, 'the doomed instance began a transaction').toBeDefined();
    expect(offsetsAdded, 'its offsets went into the transaction').toBeDefined();
    expect([...txnEvents(of('doomed'), 'committed'), ...txnEvents(of('doomed'), 'aborted')], 'it never ended a transaction').toEqual([]);

    supervisor.start(module, config, { id: 'heir' });
    await waitFor('the heir to run both tasks', () => taskEvents(of('heir'), 'running').length >= 2, 60_000);
    const waited = taskEvents(of('heir'), 'created').filter((e) => (e.unstableOffsets?.length ?? 0) > 0);
    // Pending offsets are per partition (Kafka's hasPendingOffsetCommitsForTopicPartition): a task
    // whose partitions the doomed transaction held no offsets for may start at once.
    const waitedTasks = new Set(waited.map((e) => e.taskId));
    const firstRunning = taskEvents(of('heir'), 'running').find((e) => waitedTasks.has(e.taskId)) ?? taskEvents(of('heir'), 'running')[0]!;
    console.log(
      `doomed: began ${begun!.at}, offsets added +${offsetsAdded!.at - begun!.at} ms, died +${exit.at - begun!.at} ms; ` +
        `heir: waited on ${waited.map((e) => e.taskId).join(', ')}, first task running +${firstRunning.at - begun!.at} ms`,
    );
    expect(waited.length, 'the heir was told the offsets are unstable (UNSTABLE_OFFSET_COMMIT) and waited').toBeGreaterThan(0);
    // The coordinator aborts no earlier than the timeout after the transaction's first partition:
    // a task that waited runs no earlier.
    expect(firstRunning.at - begun!.at).toBeGreaterThanOrEqual(TRANSACTION_TIMEOUT_MS);

    await new Promise((r) => setTimeout(r, 2000));
    await load.stop();
    await expectExactlyOnce(verifier, 500);
  } finally {
    await load.stop().catch(() => undefined);
    await verifier.stop();
    await supervisor.close();
  }
}, 180_000);
