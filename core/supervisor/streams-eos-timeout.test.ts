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
import { StreamsEvent } from '../streams/index.js';
import { CRASH_POINT_EXIT_CODE } from '../streams/runtime/crash-points.js';
import { Supervisor } from './supervisor.js';

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
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'transfers', numPartitions: 2 }, { topic: 'ledger', numPartitions: 2 }] });
  await admin.disconnect();

  const supervisor = new Supervisor({ resourceIntervalMs: 0 });
  const events: { id: string; event: StreamsEvent }[] = [];
  let exit: { code: number; at: number } | null = null;
  supervisor.onEvent((e) => {
    if (e.type === 'instance.exit' && e.id === 'doomed') exit = { code: e.exitCode, at: e.ts };
    if (e.type === 'instance.telemetry') {
      const parsed = StreamsEvent.safeParse(e.event);
      if (parsed.success) events.push({ id: e.id, event: parsed.data });
    }
  });
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
    await waitFor('the doomed instance to die between TxnOffsetCommit and EndTxn', () => exit !== null, 30_000);
    expect(exit!.code).toBe(CRASH_POINT_EXIT_CODE);
    const doomed = events.filter((e) => e.id === 'doomed').map((e) => e.event);
    const begun = doomed.filter((e) => e.type === 'txn' && e.phase === 'begin').at(-1);
    const offsetsAdded = doomed.filter((e) => e.type === 'txn' && e.phase === 'offsets-added').at(-1);
    expect(begun, 'the doomed instance began a transaction').toBeDefined();
    expect(offsetsAdded, 'its offsets went into the transaction').toBeDefined();
    expect(doomed.some((e) => e.type === 'txn' && (e.phase === 'committed' || e.phase === 'aborted')), 'it never ended a transaction').toBe(false);

    supervisor.start(module, config, { id: 'heir' });
    const heir = () => events.filter((e) => e.id === 'heir').map((e) => e.event);
    await waitFor('the heir to run both tasks', () => heir().filter((e) => e.type === 'task' && e.phase === 'running').length >= 2, 60_000);
    const waited = heir().filter((e) => e.type === 'task' && e.phase === 'created' && (e.unstableOffsets?.length ?? 0) > 0);
    const firstRunning = heir().find((e) => e.type === 'task' && e.phase === 'running')!;
    console.log(
      `doomed: began ${begun!.at}, offsets added +${offsetsAdded!.at - begun!.at} ms, died +${exit!.at - begun!.at} ms; ` +
        `heir: waited on ${waited.map((e) => (e.type === 'task' ? e.taskId : '')).join(', ')}, first task running +${firstRunning.at - begun!.at} ms`,
    );
    expect(waited.length, 'the heir was told the offsets are unstable (UNSTABLE_OFFSET_COMMIT) and waited').toBeGreaterThan(0);
    // The coordinator aborts no earlier than the timeout after the transaction's first partition.
    expect(firstRunning.at - begun!.at).toBeGreaterThanOrEqual(TRANSACTION_TIMEOUT_MS);

    await new Promise((r) => setTimeout(r, 2000));
    await load.stop();
    const snapshot = await verifier.waitForDrain({ timeoutMs: 60_000, quietMs: 3000 });
    expect(snapshot.inputs).toBeGreaterThan(500);
    expect(snapshot.missing).toBe(0);
    expect(snapshot.duplicated).toBe(0);
    expect(snapshot.pending).toBe(0);
    expect(snapshot.money?.conserved).toBe(true);
  } finally {
    await load.stop().catch(() => undefined);
    await verifier.stop();
    await supervisor.close();
  }
}, 180_000);
