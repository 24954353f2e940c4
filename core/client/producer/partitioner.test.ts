import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { canTransition, TRANSACTION_STATES } from './transaction-state.js';
import { keyPartition, murmur2, Partitioner, toPositive } from './partitioner.js';

describe('murmur2 partitioner', () => {
  it("matches Kafka's UtilsTest vectors", () => {
    const cases: Array<[Uint8Array, number]> = [
      [Buffer.from('21'), -973932308],
      [Buffer.from('foobar'), -790332482],
      [Buffer.from('a-little-bit-long-string'), -985981536],
      [Buffer.from('a-little-bit-longer-string'), -1486304829],
      [Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'), -58897971],
      [Buffer.from([0x61, 0x62, 0x63]), 479470107],
    ];
    for (const [data, expected] of cases) expect(murmur2(data)).toBe(expected);
    expect(toPositive(-2147483648)).toBe(0);
  });

  it("puts keys where kafkajs's DefaultPartitioner (Java-compatible) puts them", () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    for (const n of [1, 3, 7, 12]) {
      const partitionMetadata = Array.from({ length: n }, (_, i) => ({ partitionId: i, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));
      for (let i = 0; i < 300; i++) {
        const key = Buffer.from(`key-${i}-${'x'.repeat(i % 7)}`);
        expect(keyPartition(key, n)).toBe(kafkajs({ topic: 't', partitionMetadata, message: { key, value: null } }));
      }
    }
  });

  it('explicit partition wins; keyless records stick until the batch closes', () => {
    let r = 0;
    const p = new Partitioner(() => [0.1, 0.9, 0.5][r++ % 3]!);
    expect(p.partition('t', Buffer.from('k'), 2, 4)).toBe(2);
    expect(() => p.partition('t', null, 4, 4)).toThrow(RangeError);
    const first = p.partition('t', null, undefined, 4);
    expect(p.partition('t', null, undefined, 4)).toBe(first);
    p.batchClosed('t', first, 4);
    expect(p.partition('t', null, undefined, 4)).not.toBe(first);
  });
});

describe('transaction states', () => {
  it("allows exactly Java's transitions", () => {
    const allowed = TRANSACTION_STATES.flatMap((from) => TRANSACTION_STATES.filter((to) => canTransition(from, to)).map((to) => `${from}->${to}`));
    expect(allowed.filter((t) => !t.endsWith('FATAL_ERROR')).sort()).toEqual(
      [
        'READY->UNINITIALIZED',
        'ABORTABLE_ERROR->UNINITIALIZED',
        'UNINITIALIZED->INITIALIZING',
        'ABORTING_TRANSACTION->INITIALIZING',
        'INITIALIZING->READY',
        'COMMITTING_TRANSACTION->READY',
        'ABORTING_TRANSACTION->READY',
        'READY->IN_TRANSACTION',
        'IN_TRANSACTION->COMMITTING_TRANSACTION',
        'IN_TRANSACTION->ABORTING_TRANSACTION',
        'ABORTABLE_ERROR->ABORTING_TRANSACTION',
        'IN_TRANSACTION->ABORTABLE_ERROR',
        'COMMITTING_TRANSACTION->ABORTABLE_ERROR',
        'ABORTABLE_ERROR->ABORTABLE_ERROR',
        'INITIALIZING->ABORTABLE_ERROR',
      ].sort(),
    );
    for (const from of TRANSACTION_STATES) expect(canTransition(from, 'FATAL_ERROR')).toBe(true);
  });
});
