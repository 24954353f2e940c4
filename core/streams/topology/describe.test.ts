import { describe, expect, it } from 'vitest';
import { Serdes } from '../serdes.js';
import { StreamsBuilder } from './streams-builder.js';

// A bank-ledger-like app: drop empty transfers, keep balances per account, emit each new balance.
function ledger() {
  const b = new StreamsBuilder();
  b.stream('transfers', { key: Serdes.String(), value: Serdes.JSON<{ amount: number }>() })
    .filter((_account, transfer) => transfer !== null && transfer.amount !== 0)
    .groupByKey()
    .aggregate(() => 0, (_account, transfer, balance) => balance + transfer.amount, 'balances', { value: Serdes.Int64() })
    .toStream()
    .to('balances-out');
  return b.build({ applicationId: 'bank' });
}

describe('describe()', () => {
  it('gives the graph as plain JSON', () => {
    const description = ledger().describe();
    expect(JSON.parse(JSON.stringify(description))).toEqual(description);
    expect(description).toEqual({
      applicationId: 'bank',
      subtopologies: [
        {
          id: 0,
          nodes: [
            { name: 'KSTREAM-SOURCE-0000000000', kind: 'source', topics: ['transfers'], successors: ['KSTREAM-FILTER-0000000001'], predecessors: [] },
            { name: 'KSTREAM-FILTER-0000000001', kind: 'filter', successors: ['KSTREAM-AGGREGATE-0000000002'], predecessors: ['KSTREAM-SOURCE-0000000000'] },
            {
              name: 'KSTREAM-AGGREGATE-0000000002',
              kind: 'aggregate',
              store: 'balances',
              aggregation: 'aggregate',
              successors: ['KTABLE-TOSTREAM-0000000003'],
              predecessors: ['KSTREAM-FILTER-0000000001'],
            },
            { name: 'KTABLE-TOSTREAM-0000000003', kind: 'toStream', successors: ['KSTREAM-SINK-0000000004'], predecessors: ['KSTREAM-AGGREGATE-0000000002'] },
            { name: 'KSTREAM-SINK-0000000004', kind: 'sink', topics: ['balances-out'], successors: [], predecessors: ['KTABLE-TOSTREAM-0000000003'] },
          ],
        },
      ],
      stores: [
        { name: 'balances', kind: 'keyValue', changelogTopic: 'bank-balances-changelog', subtopology: 0, processors: ['KSTREAM-AGGREGATE-0000000002'] },
      ],
    });
  });

  it('gives Kafka-Streams-like text', () => {
    expect(ledger().describeText()).toBe(
      [
        'Topologies:',
        '   Sub-topology: 0',
        '    Source: KSTREAM-SOURCE-0000000000 (topics: [transfers])',
        '      --> KSTREAM-FILTER-0000000001',
        '    Processor: KSTREAM-FILTER-0000000001 (stores: [])',
        '      --> KSTREAM-AGGREGATE-0000000002',
        '      <-- KSTREAM-SOURCE-0000000000',
        '    Processor: KSTREAM-AGGREGATE-0000000002 (stores: [balances])',
        '      --> KTABLE-TOSTREAM-0000000003',
        '      <-- KSTREAM-FILTER-0000000001',
        '    Processor: KTABLE-TOSTREAM-0000000003 (stores: [])',
        '      --> KSTREAM-SINK-0000000004',
        '      <-- KSTREAM-AGGREGATE-0000000002',
        '    Sink: KSTREAM-SINK-0000000004 (topic: balances-out)',
        '      <-- KTABLE-TOSTREAM-0000000003',
        '',
      ].join('\n'),
    );
  });

  it('shows a repartition topic as the boundary between sub-topologies, and branches', () => {
    const b = new StreamsBuilder();
    const lines = b.stream('lines', { key: Serdes.String(), value: Serdes.String() });
    lines.to('lines-copy');
    lines
      .groupBy((_k, line) => line?.length ?? 0, { key: Serdes.Int64(), value: Serdes.String() })
      .count('by-length');
    expect(b.build().describeText()).toBe(
      [
        'Topologies:',
        '   Sub-topology: 0',
        '    Source: KSTREAM-SOURCE-0000000000 (topics: [lines])',
        '      --> KSTREAM-SINK-0000000001, KSTREAM-KEY-SELECT-0000000002',
        '    Sink: KSTREAM-SINK-0000000001 (topic: lines-copy)',
        '      <-- KSTREAM-SOURCE-0000000000',
        '    Processor: KSTREAM-KEY-SELECT-0000000002 (stores: [])',
        '      --> by-length-repartition-filter',
        '      <-- KSTREAM-SOURCE-0000000000',
        '    Processor: by-length-repartition-filter (stores: [])',
        '      --> by-length-repartition-sink',
        '      <-- KSTREAM-KEY-SELECT-0000000002',
        '    Sink: by-length-repartition-sink (topic: by-length-repartition)',
        '      <-- by-length-repartition-filter',
        '',
        '   Sub-topology: 1',
        '    Source: by-length-repartition-source (topics: [by-length-repartition])',
        '      --> KSTREAM-AGGREGATE-0000000003',
        '    Processor: KSTREAM-AGGREGATE-0000000003 (stores: [by-length])',
        '      --> none',
        '      <-- by-length-repartition-source',
        '',
      ].join('\n'),
    );
  });
});
