import { beforeEach, describe, expect, it } from 'vitest';
import { ev, metrics, resetSeq, telemetry } from '../testing/fixtures';
import { applyTransactions, initialTransactions, txnRows } from './transactions';

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
          { transactionalId: 'a-ok', state: 'Empty', producerId: 1, producerEpoch: 0, timeoutMs: 60000, startedAt: null, partitions: [], hanging: false },
          {
            transactionalId: 'wc-0_1',
            state: 'Ongoing',
            producerId: 7,
            producerEpoch: 4,
            timeoutMs: 10000,
            startedAt: 900,
            partitions: [{ topic: 'out', partitions: [1, 2] }],
            hanging: true,
          },
        ],
      }),
    );
    const rows = txnRows(s);
    expect(rows.map((r) => r.transactionalId)).toEqual(['wc-0_1', 'a-ok']);
    expect(rows[0]).toMatchObject({ state: 'Ongoing', producerEpoch: 4, partitions: ['out-1', 'out-2'], openSince: 900, hanging: true, instanceId: 'i1', tasks: ['0_1', '0_2'] });
    expect(s.supported).toBe(true);
    // gone from the broker: broker part dropped, entry kept for its client side
    applyTransactions(s, ev('txn.snapshot', { supported: true, transactions: [] }));
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
