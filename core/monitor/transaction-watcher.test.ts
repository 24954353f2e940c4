// The coordinator's own aborts and fences, told from sequences of DescribeTransactions snapshots
// as Kafka's coordinator produces them under transaction version 0/1 (the embedded broker: ends
// keep the epoch) and version 2 (KIP-890: every end bumps it).
import { describe, expect, it } from 'vitest';
import { COORDINATOR_EVENTS_KEPT, TransactionWatcher } from './transaction-watcher.js';
import { lsoHolds, type DescribedTransaction } from './transactions.js';
import { partitionKey } from '../protocol/topic-partition.js';

const ID = 'app-1b2c-1';
const OUT = [{ topic: 'out', partitions: [0, 2] }];

function txn(state: string, producerEpoch: number, startedAt: number | null = null, over: Partial<DescribedTransaction> = {}): DescribedTransaction {
  const open = startedAt !== null;
  return {
    transactionalId: ID,
    state,
    producerId: 7,
    producerEpoch,
    timeoutMs: 10_000,
    startedAt,
    partitions: open ? OUT : [],
    hanging: false,
    ...over,
  };
}

/** Feeds the snapshots one poll a second from t=0; returns the coordinator events after the last. */
function run(polls: DescribedTransaction[][], startAt = 0, stepMs = 1000) {
  const w = new TransactionWatcher();
  let out = [] as ReturnType<TransactionWatcher['update']>;
  polls.forEach((p, i) => (out = w.update(p, startAt + i * stepMs)));
  return out.find((t) => t.transactionalId === ID)?.coordinatorEvents ?? [];
}

describe('TransactionWatcher under transaction version 0/1 (ends keep the epoch)', () => {
  it('sees no coordinator action in a producer\'s own commits and aborts', () => {
    expect(run([[txn('Empty', 0)], [txn('Ongoing', 0, 500)], [txn('CompleteCommit', 0)], [txn('Ongoing', 0, 2500)], [txn('CompleteAbort', 0)]])).toEqual([]);
  });

  it('counts a timeout abort: the transaction outlived its timeout and ended aborted on a fenced epoch', () => {
    const events = run([[txn('Ongoing', 3, 0)], ...Array.from({ length: 10 }, () => [txn('Ongoing', 3, 0)]), [txn('CompleteAbort', 4)]]);
    expect(events).toEqual([
      { kind: 'timeout-abort', seenAt: 11_000, producerId: 7, epochBefore: 3, epochAfter: 4, startedAt: 0, partitions: OUT, producerAbortPossible: false },
    ]);
  });

  it('counts a fence abort: InitProducerId of a new producer while the transaction was open leaves the id Empty two epochs on', () => {
    const events = run([[txn('Ongoing', 3, 500)], [txn('Empty', 5)]]);
    expect(events).toEqual([
      { kind: 'fence-abort', seenAt: 1000, producerId: 7, epochBefore: 3, epochAfter: 5, startedAt: 500, partitions: OUT, producerAbortPossible: false },
    ]);
  });

  it('counts a fence without an abort when a new producer initialises while nothing is open', () => {
    const events = run([[txn('CompleteCommit', 3)], [txn('Empty', 4)], [txn('Ongoing', 4, 2500)], [txn('CompleteCommit', 4)]]);
    expect(events.map((e) => [e.kind, e.epochBefore, e.epochAfter, e.startedAt])).toEqual([['fence', 3, 4, null]]);
  });

  it('counts a fence when a bumped epoch already runs a new transaction', () => {
    expect(run([[txn('CompleteAbort', 3)], [txn('Ongoing', 4, 1500)]]).map((e) => e.kind)).toEqual(['fence']);
  });

  it('counts a transaction begun and timed out between two polls further apart than its timeout', () => {
    const short = { timeoutMs: 500 };
    const w = new TransactionWatcher();
    w.update([txn('CompleteCommit', 2, null, short)], 0);
    const [t] = w.update([txn('CompleteAbort', 3, null, short)], 2000);
    expect(t!.coordinatorEvents.map((e) => e.kind)).toEqual(['timeout-abort']);
  });

  it('follows a new producer id given when the epoch is exhausted', () => {
    const events = run([[txn('Ongoing', 32766, 0, { timeoutMs: 500 })], [txn('CompleteAbort', 0, null, { producerId: 8, timeoutMs: 500 })]]);
    expect(events).toMatchObject([{ kind: 'timeout-abort', producerId: 8, epochBefore: 32766, epochAfter: 0 }]);
  });

  it('keeps the most recent events and forgets an id that expired', () => {
    const w = new TransactionWatcher();
    let epoch = 0;
    w.update([txn('Empty', epoch)], 0);
    for (let i = 1; i <= COORDINATOR_EVENTS_KEPT + 5; i++) w.update([txn('Empty', ++epoch)], i * 1000);
    const [t] = w.update([txn('Empty', epoch)], 99_000);
    expect(t!.coordinatorEvents).toHaveLength(COORDINATOR_EVENTS_KEPT);
    expect(t!.coordinatorEvents.at(-1)!.epochAfter).toBe(epoch);
    w.update([], 100_000);
    expect(w.update([txn('Empty', epoch + 1)], 101_000)[0]!.coordinatorEvents).toEqual([]);
  });
});

describe('TransactionWatcher under transaction version 2 (every end bumps the epoch)', () => {
  it('learns from a commit that bumped the epoch, then flags a one-step abort as possibly the producer\'s own', () => {
    const events = run([[txn('Ongoing', 3, 0)], [txn('CompleteCommit', 4)], [txn('Ongoing', 4, 1500)], [txn('CompleteAbort', 5)]]);
    expect(events).toEqual([
      { kind: 'fence-abort', seenAt: 3000, producerId: 7, epochBefore: 4, epochAfter: 5, startedAt: 1500, partitions: OUT, producerAbortPossible: true },
    ]);
  });

  it('does not take transactions that came and went between polls for fences', () => {
    expect(run([[txn('Ongoing', 3, 0)], [txn('CompleteCommit', 4)], [txn('Ongoing', 9, 1800)], [txn('CompleteCommit', 12)]])).toEqual([]);
  });

  it('is sure of a fence abort that a re-initialisation left Empty', () => {
    const events = run([[txn('Ongoing', 3, 0)], [txn('CompleteCommit', 4)], [txn('Ongoing', 4, 1500)], [txn('Empty', 6)]]);
    expect(events).toMatchObject([{ kind: 'fence-abort', producerAbortPossible: false }]);
  });
});

describe('lsoHolds', () => {
  const ends = new Map([
    [partitionKey('out', 0), { lastStable: 40, highWatermark: 55 }],
    [partitionKey('out', 2), { lastStable: 7, highWatermark: 7 }],
    [partitionKey('audit', 1), { lastStable: 3, highWatermark: 9 }],
  ]);

  it('names the earliest open transaction on each partition whose LSO is behind the high watermark, with the time left to its timeout', () => {
    const older = txn('Ongoing', 3, 1000, { transactionalId: 'old', partitions: [{ topic: 'out', partitions: [0, 2] }] });
    const newer = txn('Ongoing', 1, 4000, { transactionalId: 'new', partitions: [{ topic: 'out', partitions: [0] }, { topic: 'audit', partitions: [1] }] });
    const done = txn('CompleteCommit', 2, null, { transactionalId: 'done' });
    expect(lsoHolds([newer, done, older], ends, 6000)).toEqual([
      { topic: 'out', partition: 0, lastStable: 40, highWatermark: 55, transactionalId: 'old', producerId: 7, producerEpoch: 3, since: 1000, timeoutMs: 10_000, timeLeftMs: 5000 },
      { topic: 'audit', partition: 1, lastStable: 3, highWatermark: 9, transactionalId: 'new', producerId: 7, producerEpoch: 1, since: 4000, timeoutMs: 10_000, timeLeftMs: 8000 },
    ]);
    expect(lsoHolds([older], ends, 12_000)[0]!.timeLeftMs).toBe(-1000);
  });
});
