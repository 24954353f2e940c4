import { describe, expect, expectTypeOf, it } from 'vitest';
import type { RecordContext } from '../records.js';
import { Serdes } from '../serdes.js';
import { TopologyError } from './nodes.js';
import { StreamsBuilder } from './streams-builder.js';

interface Transfer {
  amount: number;
}
const transferSerdes = { key: Serdes.String(), value: Serdes.JSON<Transfer>() };

function wordCount(applicationId?: string) {
  const b = new StreamsBuilder();
  b.stream('lines', { key: Serdes.String(), value: Serdes.String() })
    .flatMapValues((line) => (line ?? '').toLowerCase().split(/\W+/).filter((w) => w !== ''))
    .groupBy((_key, word) => word, { key: Serdes.String(), value: Serdes.String() })
    .count('counts')
    .toStream()
    .to('word-counts', { value: Serdes.Int64() });
  return b.build(applicationId === undefined ? {} : { applicationId });
}

describe('StreamsBuilder', () => {
  it('types the stream end to end: nulls where Kafka allows them, none in aggregations', () => {
    const b = new StreamsBuilder();
    const source = b.stream('transfers', transferSerdes);
    expectTypeOf(source.filter).parameter(0).parameters.toEqualTypeOf<[string | null, Transfer | null, RecordContext]>();
    const positive = source.filter((_k, v): v is Transfer => v !== null && v.amount > 0);
    expectTypeOf(positive.mapValues).parameter(0).parameter(0).toEqualTypeOf<Transfer>();
    const table = positive.groupByKey().aggregate(
      () => 0,
      (account, transfer, balance) => {
        expectTypeOf(account).toEqualTypeOf<string>();
        expectTypeOf(transfer).toEqualTypeOf<Transfer>();
        return balance + transfer.amount;
      },
      'balances',
      { value: Serdes.Int64() },
    );
    const balances = table.toStream();
    expectTypeOf(balances.map).parameter(0).parameters.toEqualTypeOf<[string, number, RecordContext]>();
    balances.to('balances-out');
    expect(b.build().stores().map((s) => s.name)).toEqual(['balances']);
  });

  it('names nodes like Kafka Streams, numbered in creation order', () => {
    const b = new StreamsBuilder();
    b.stream('in', transferSerdes)
      .filter(() => true)
      .map((k, v) => [k, v] as const)
      .mapValues((v) => v)
      .flatMapValues((v) => [v])
      .peek(() => {})
      .selectKey((k) => k)
      .flatMap((k, v) => [[k, v] as const])
      .to('out', transferSerdes);
    expect(b.build().nodes.map((n) => n.name)).toEqual([
      'KSTREAM-SOURCE-0000000000',
      'KSTREAM-FILTER-0000000001',
      'KSTREAM-MAP-0000000002',
      'KSTREAM-MAPVALUES-0000000003',
      'KSTREAM-FLATMAPVALUES-0000000004',
      'KSTREAM-PEEK-0000000005',
      'KSTREAM-KEY-SELECT-0000000006',
      'KSTREAM-FLATMAP-0000000007',
      'KSTREAM-SINK-0000000008',
    ]);
  });

  it('models a groupByKey after a key change as a repartition topic between two sub-topologies', () => {
    const topology = wordCount('wc');
    expect(topology.subtopologies.map((s) => [s.id, s.sourceTopics, s.sinkTopics, s.stores])).toEqual([
      [0, ['lines'], ['wc-counts-repartition'], []],
      [1, ['wc-counts-repartition'], ['word-counts'], ['counts']],
    ]);
    expect(topology.sourceTopics()).toEqual(['lines', 'wc-counts-repartition']);
    expect(topology.sinkTopics()).toEqual(['wc-counts-repartition', 'word-counts']);
    expect(topology.repartitionTopics()).toEqual(['wc-counts-repartition']);
    expect(topology.subtopologyOf('wc-counts-repartition')?.id).toBe(1);
  });

  it('binds the application id later, as the runtime will', () => {
    const unbound = wordCount();
    expect(unbound.applicationId).toBeNull();
    expect(unbound.repartitionTopics()).toEqual(['counts-repartition']);
    expect(unbound.stores()[0]?.changelogTopic).toBeNull();
    const bound = unbound.withApplicationId('wc');
    expect(bound.repartitionTopics()).toEqual(['wc-counts-repartition']);
    expect(bound.stores()[0]?.changelogTopic).toBe('wc-counts-changelog');
    expect(unbound.repartitionTopics()).toEqual(['counts-repartition']);
  });

  it('needs no repartition when the key is kept (filter, mapValues, peek)', () => {
    const b = new StreamsBuilder();
    b.stream('transfers', transferSerdes)
      .filter((_k, v) => v !== null)
      .mapValues((v) => v)
      .peek(() => {})
      .groupByKey()
      .count('n');
    const topology = b.build();
    expect(topology.subtopologies).toHaveLength(1);
    expect(topology.repartitionTopics()).toEqual([]);
  });

  it('produces an immutable topology that later DSL calls do not change', () => {
    const b = new StreamsBuilder();
    const stream = b.stream('in', transferSerdes);
    stream.to('out');
    const topology = b.build();
    stream.to('out-2');
    expect(topology.sinkTopics()).toEqual(['out']);
    expect(b.build().sinkTopics()).toEqual(['out', 'out-2']);
    expect(Object.isFrozen(topology.nodes)).toBe(true);
    expect(Object.isFrozen(topology.nodes[0])).toBe(true);
    expect(Object.isFrozen(topology.stores())).toBe(true);
  });
});

describe('build-time validation', () => {
  it('rejects a stream that ends without a sink or an aggregation', () => {
    const b = new StreamsBuilder();
    const s = b.stream('in', transferSerdes);
    s.to('out');
    s.filter(() => true).mapValues((v) => v);
    expect(() => b.build()).toThrow(
      new TopologyError(
        'records reaching KSTREAM-MAPVALUES-0000000003 (mapValues) go nowhere: end each stream with .to(topic) or an aggregation (count, reduce, aggregate)',
      ),
    );
    const lone = new StreamsBuilder();
    lone.stream('in', transferSerdes);
    expect(() => lone.build()).toThrow(/KSTREAM-SOURCE-0000000000 \(source\) go nowhere/);
  });

  it('accepts a table that is only materialized (its store is the output)', () => {
    const b = new StreamsBuilder();
    b.stream('in', transferSerdes).groupByKey().count('n');
    expect(() => b.build()).not.toThrow();
  });

  it('rejects an empty topology', () => {
    expect(() => new StreamsBuilder().build()).toThrow(/no source/);
  });

  it('rejects duplicate store names', () => {
    const b = new StreamsBuilder();
    const grouped = b.stream('in', transferSerdes).groupByKey();
    grouped.count('balances');
    expect(() => grouped.reduce((a) => a, 'balances')).toThrow(new TopologyError("a state store named 'balances' already exists"));
  });

  it('rejects empty and illegal topic, store and application names', () => {
    const b = new StreamsBuilder();
    expect(() => b.stream('', transferSerdes)).toThrow(new TopologyError('topic name must not be empty'));
    expect(() => b.stream([], transferSerdes)).toThrow(/at least one topic/);
    const s = b.stream('in', transferSerdes);
    expect(() => s.to('')).toThrow(new TopologyError('topic name must not be empty'));
    expect(() => s.to('a topic')).toThrow(/may contain only/);
    expect(() => s.groupByKey().count('')).toThrow(new TopologyError('store name must not be empty'));
    expect(() => s.groupByKey().count('x'.repeat(250))).toThrow(/longer than 249/);
    s.to('out');
    expect(() => b.build({ applicationId: 'my app' })).toThrow(/application id 'my app' may contain only/);
  });

  it('rejects a topic read by two streams', () => {
    const b = new StreamsBuilder();
    b.stream('in', transferSerdes);
    expect(() => b.stream(['other', 'in'], transferSerdes)).toThrow(/'in' is already read/);
  });

  it('asks for the serdes a type change made unknown', () => {
    const b = new StreamsBuilder();
    const s = b.stream('in', transferSerdes);
    expect(() => s.mapValues((v) => v?.amount ?? 0).to('out')).toThrow(
      new TopologyError("to('out') needs a value serde: the type changed upstream of it; pass to('out', { value: … })"),
    );
    expect(() => s.map((k, v) => [k, v] as const).to('out')).toThrow(/needs a key and a value serde/);
    expect(() => s.selectKey((_k, v) => v?.amount ?? 0).groupByKey().count('by-amount')).toThrow(
      /count\('by-amount'\) needs a key serde for its store: the key type changed at KSTREAM-KEY-SELECT-\d+/,
    );
    expect(() =>
      s
        .selectKey((k) => k)
        .mapValues((v) => v)
        .groupByKey({ key: Serdes.String() })
        .count('c'),
    ).toThrow(/count\('c'\) after a key change \(KSTREAM-KEY-SELECT-\d+\) reads its records back through the repartition topic 'c-repartition', which needs a value serde/);
    expect(() => s.mapValues((v) => v).groupByKey().reduce((a) => a, 'r')).toThrow(/reduce\('r'\) needs a value serde/);
  });
});
