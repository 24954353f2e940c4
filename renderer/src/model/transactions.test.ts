import { beforeEach, describe, expect, it } from 'vitest';
import { ev, metrics, resetSeq, telemetry } from '../testing/fixtures';
import { applyTransactions, coordinatorCounts, fencedBy, initialTransactions, lsoHoldRows, parseTransactionalId, timeline, txnRows, type CoordinatorEvent, type LsoHold } from './transactions';

const txn = (phase: string, extra: Record<string, unknown> = {}) => ({
  type: 'txn',
  tasks: ['0_1', '0_2'],
  transactionalId: 'wc-0_1',
  phase,
  producerId: 7,
  producerEpoch: 3,
  ...extra,
});

describe('transactions reducer', () => {
  beforeEach(() => resetSeq());

  it('keeps a history of outcomes from the instances', () => {
    const s = initialTransactions();
    applyTransactions(s, telemetry('i1', txn('begin'), 1000));
    expect(s.byId['wc-0_1']!.client).toMatchObject({ phase: 'begin', openSince: 1000 });
    applyTransactions(s, telemetry('i1', txn('committing'), 1050));
    expect(s.byId['wc-0_1']!.client!.openSince).toBe(1000);
    applyTransactions(s, telemetry('i1', txn('committed', { durationMs: 80, records: 12 }), 1080));
    applyTransactions(s, telemetry('i1', txn('fenced', { producerEpoch: 3, error: 'ProducerFenced' }), 5000));
    const e = s.byId['wc-0_1']!;
    expect(e.counts).toEqual({ committed: 1, aborted: 0, fenced: 1 });
    expect(e.history.map((h) => [h.outcome, h.records, h.error])).toEqual([
      ['committed', 12, null],
      ['fenced', null, 'ProducerFenced'],
    ]);
    expect(e.client!.openSince).toBeNull();
  });

  it('prefers the broker\'s view in rows and flags hanging transactions first', () => {
    const s = initialTransactions();
    applyTransactions(s, telemetry('i1', txn('begin'), 1000));
    applyTransactions(
      s,
      ev('txn.snapshot', {
        supported: true,
        transactions: [
          { transactionalId: 'a-ok', state: 'Empty', producerId: 1, producerEpoch: 0, timeoutMs: 60000, startedAt: null, partitions: [], hanging: false, coordinatorEvents: [] },
          {
            transactionalId: 'wc-0_1',
            state: 'Ongoing',
            producerId: 7,
            producerEpoch: 4,
            timeoutMs: 10000,
            startedAt: 900,
            partitions: [{ topic: 'out', partitions: [1, 2] }],
            hanging: true,
            coordinatorEvents: [],
          },
        ],
        lsoHeld: [],
      }),
    );
    const rows = txnRows(s);
    expect(rows.map((r) => r.transactionalId)).toEqual(['wc-0_1', 'a-ok']);
    expect(rows[0]).toMatchObject({ state: 'Ongoing', producerEpoch: 4, partitions: ['out-1', 'out-2'], openSince: 900, hanging: true, instanceId: 'i1', tasks: ['0_1', '0_2'] });
    expect(s.supported).toBe(true);
    // gone from the broker: broker part dropped, entry kept for its client side
    applyTransactions(s, ev('txn.snapshot', { supported: true, transactions: [], lsoHeld: [] }));
    expect(Object.keys(s.byId)).toEqual(['wc-0_1']);
    expect(txnRows(s)[0]).toMatchObject({ state: 'begin', hanging: false });
  });

  it('charts commit latency per instance from metrics', () => {
    const s = initialTransactions();
    applyTransactions(s, telemetry('i1', metrics(1, 1), 1000));
    applyTransactions(s, telemetry('i1', metrics(1, 1), 2000));
    applyTransactions(s, telemetry('i2', metrics(1, 1), 2000));
    expect(s.commitLatency['i1']).toEqual([
      { t: 1000, y: 12 },
      { t: 2000, y: 12 },
    ]);
    expect(Object.keys(s.commitLatency)).toEqual(['i1', 'i2']);
  });
});

const TID = 'wc-5f0e8a7c-1b2d-4c3e-9f10-a1b2c3d4e5f6-1';

function snapshot(coordinatorEvents: CoordinatorEvent[], lsoHeld: LsoHold[] = [], ts?: number) {
  return ev('txn.snapshot', {
    supported: true,
    transactions: [
      { transactionalId: TID, state: 'CompleteAbort', producerId: 7, producerEpoch: 5, timeoutMs: 10_000, startedAt: null, partitions: [], hanging: false, coordinatorEvents },
    ],
    lsoHeld,
    ...(ts !== undefined ? { ts } : {}),
  });
}

const coord = (kind: CoordinatorEvent['kind'], seenAt: number, epochBefore: number, over: Partial<CoordinatorEvent> = {}): CoordinatorEvent => ({
  kind,
  seenAt,
  producerId: 7,
  epochBefore,
  epochAfter: epochBefore + 1,
  startedAt: kind === 'fence' ? null : seenAt - 11_000,
  partitions: kind === 'fence' ? [] : [{ topic: 'out', partitions: [1] }],
  producerAbortPossible: false,
  ...over,
});

describe('coordinator aborts', () => {
  beforeEach(() => resetSeq());

  it('counts each coordinator action once though every snapshot repeats the monitor\'s window, and keeps them past it', () => {
    const s = initialTransactions();
    const timeout = coord('timeout-abort', 20_000, 3);
    const fence = coord('fence', 25_000, 4);
    applyTransactions(s, snapshot([timeout]));
    applyTransactions(s, snapshot([timeout]));
    applyTransactions(s, snapshot([timeout, fence]));
    applyTransactions(s, snapshot([fence]));
    const row = txnRows(s)[0]!;
    expect(row.coordinator).toEqual({ 'timeout-abort': 1, 'fence-abort': 0, fence: 1 });
    expect(row.thread).toEqual({ applicationId: 'wc', processId: '5f0e8a7c-1b2d-4c3e-9f10-a1b2c3d4e5f6', thread: 1 });
  });

  it('joins the coordinator\'s actions with the instances\' reports in one timeline', () => {
    const s = initialTransactions();
    applyTransactions(s, telemetry('wc-1', txn('committed', { transactionalId: TID, durationMs: 40, records: 3 }), 5_000));
    applyTransactions(s, snapshot([coord('timeout-abort', 20_000, 3)]));
    applyTransactions(s, telemetry('wc-2', txn('fenced', { transactionalId: TID, error: 'ProducerFencedError' }), 30_000));
    const items = timeline(s.byId[TID]!);
    expect(items.map((i) => [i.ts, i.source, i.outcome, i.instanceId, i.producerEpoch, i.epochBefore, i.durationMs])).toEqual([
      [5_000, 'instance', 'committed', 'wc-1', 3, null, 40],
      [20_000, 'coordinator', 'timeout-abort', null, 4, 3, 11_000],
      [30_000, 'instance', 'fenced', 'wc-2', 3, null, null],
    ]);
  });

  it('leaves out an abort that under transaction version 2 was the producer\'s own, by the instance\'s report', () => {
    const s = initialTransactions();
    const ambiguous = coord('fence-abort', 20_000, 3, { startedAt: 19_500, producerAbortPossible: true });
    applyTransactions(s, snapshot([ambiguous]));
    expect(coordinatorCounts(s.byId[TID]!)['fence-abort']).toBe(1);
    // The instance's report of its own abort can arrive after the poll that saw it.
    applyTransactions(s, telemetry('wc-1', txn('aborted', { transactionalId: TID }), 20_300));
    expect(coordinatorCounts(s.byId[TID]!)['fence-abort']).toBe(0);
    expect(timeline(s.byId[TID]!).map((i) => i.source)).toEqual(['instance']);
    // An abort reported for an earlier transaction does not explain a later one.
    const later = coord('fence-abort', 40_000, 4, { startedAt: 39_000, producerAbortPossible: true });
    applyTransactions(s, snapshot([ambiguous, later]));
    expect(coordinatorCounts(s.byId[TID]!)['fence-abort']).toBe(1);
  });
});

describe('held last stable offsets', () => {
  beforeEach(() => resetSeq());

  const hold = (transactionalId: string, partition: number, since: number): LsoHold => ({
    topic: 'out',
    partition,
    lastStable: 10,
    highWatermark: 25,
    transactionalId,
    producerId: 7,
    producerEpoch: 2,
    since,
    timeoutMs: 10_000,
    timeLeftMs: 0,
  });

  it('names a dead instance\'s hold first, with the time left counting down to now', () => {
    const s = initialTransactions();
    applyTransactions(s, telemetry('wc-1', txn('begin', { transactionalId: 'wc-a-1' }), 1_000));
    applyTransactions(s, telemetry('wc-2', txn('begin', { transactionalId: 'wc-b-1' }), 1_000));
    applyTransactions(s, ev('txn.snapshot', { supported: true, transactions: [], lsoHeld: [hold('wc-a-1', 0, 1_000), hold('wc-b-1', 1, 2_000), hold('other-producer', 2, 500)] }));
    const states = { 'wc-1': 'running', 'wc-2': 'killed' } as const;
    const rows = lsoHoldRows(s, states, 4_000);
    expect(rows.map((r) => [r.partition, r.transactionalId, r.instanceId, r.instanceState, r.verdict, r.timeLeftMs, r.heldForMs, r.behind])).toEqual([
      [1, 'wc-b-1', 'wc-2', 'killed', 'dead', 8_000, 2_000, 15],
      [2, 'other-producer', null, null, 'unreported', 6_500, 3_500, 15],
      [0, 'wc-a-1', 'wc-1', 'running', 'live', 7_000, 3_000, 15],
    ]);
    expect(lsoHoldRows(s, states, 12_500)[0]!.timeLeftMs).toBe(-500);
    applyTransactions(s, ev('txn.snapshot', { supported: true, transactions: [], lsoHeld: [] }));
    expect(lsoHoldRows(s, states, 5_000)).toEqual([]);
  });
});

describe('held last stable offsets of producers the console does not host', () => {
  beforeEach(() => resetSeq());

  it('calls a Kafka Streams thread\'s hold orphaned when no member of its application\'s group runs its process', () => {
    const s = initialTransactions();
    const pidA = '5f0e8a7c-1b2d-4c3e-9f10-a1b2c3d4e5f6';
    const pidB = '0a0b0c0d-1111-4222-8333-944455556666';
    const base = { lastStable: 3, highWatermark: 9, producerId: 1, producerEpoch: 0, since: 1000, timeoutMs: 10_000, timeLeftMs: 0 };
    applyTransactions(
      s,
      ev('txn.snapshot', {
        supported: true,
        transactions: [],
        lsoHeld: [
          { ...base, topic: 'out', partition: 0, transactionalId: `pay-${pidA}-1` },
          { ...base, topic: 'out', partition: 1, transactionalId: `pay-${pidB}-1` },
          { ...base, topic: 'out', partition: 2, transactionalId: `other-${pidB}-1` },
          { ...base, topic: 'out', partition: 3, transactionalId: 'plain-producer' },
        ],
      }),
    );
    const rows = lsoHoldRows(s, {}, 2000, { pay: [pidA] });
    expect(rows.map((r) => [r.partition, r.verdict])).toEqual([
      [1, 'orphaned'],
      [2, 'unreported'],
      [3, 'unreported'],
      [0, 'live'],
    ]);
  });
});

describe('who fenced', () => {
  beforeEach(() => resetSeq());

  it('names the instance whose InitProducerId produced the epoch a fence moved to', () => {
    const s = initialTransactions();
    applyTransactions(s, telemetry('wc-2', txn('init', { transactionalId: TID, producerId: 7, producerEpoch: 5 }), 19_000));
    const fence = coord('fence-abort', 20_000, 3, { epochAfter: 5 });
    const timeout = coord('timeout-abort', 30_000, 5);
    applyTransactions(s, snapshot([fence, timeout]));
    const entry = s.byId[TID]!;
    expect(fencedBy(entry, fence)).toBe('wc-2');
    expect(fencedBy(entry, timeout)).toBeNull();
    expect(fencedBy(entry, coord('fence', 40_000, 6))).toBeNull();
    expect(timeline(entry).find((i) => i.outcome === 'fence-abort')).toMatchObject({ instanceId: 'wc-2', note: expect.stringContaining('wc-2') });
  });
});

describe('stream threads', () => {
  beforeEach(() => resetSeq());

  it('parses exactly_once_v2 transactional ids and keeps a thread\'s tasks while a new transaction names none yet', () => {
    expect(parseTransactionalId('my-app.v2-5f0e8a7c-1b2d-4c3e-9f10-a1b2c3d4e5f6-3')).toEqual({ applicationId: 'my-app.v2', processId: '5f0e8a7c-1b2d-4c3e-9f10-a1b2c3d4e5f6', thread: 3 });
    expect(parseTransactionalId('tx-payments')).toBeNull();
    const s = initialTransactions();
    applyTransactions(s, telemetry('i1', txn('committed', { transactionalId: TID, tasks: ['0_1', '0_3'] }), 1000));
    applyTransactions(s, telemetry('i1', txn('begin', { transactionalId: TID, tasks: [] }), 1100));
    expect(txnRows(s)[0]!.tasks).toEqual(['0_1', '0_3']);
    applyTransactions(s, telemetry('i1', txn('committing', { transactionalId: TID, tasks: ['0_3'] }), 1200));
    expect(txnRows(s)[0]!.tasks).toEqual(['0_3']);
    // Another instance took the id over: its tasks, not the old owner's.
    applyTransactions(s, telemetry('i2', txn('init', { transactionalId: TID, tasks: [] }), 5000));
    expect(txnRows(s)[0]!.tasks).toEqual([]);
  });
});
