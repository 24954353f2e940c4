import { describe, expect, it } from 'vitest';
import type { InputRecord } from '../records.js';
import { Serdes } from '../serdes.js';
import { InMemoryKeyValueStore } from '../state/key-value-store.js';
import { ProcessingError, TopologyRunner } from './runner.js';
import { StreamsBuilder } from './streams-builder.js';
import { TopologyTestDriver } from './test-driver.js';

interface Transfer {
  amount: number;
}
interface Balance {
  account: string;
  balance: number;
  partition: number;
  offset: number;
}
const S = Serdes.String();
const transfer = Serdes.JSON<Transfer>();
const balanceOut = Serdes.JSON<Balance>();

// bank-ledger's shape: key = account, one output per input carrying where the input came from.
function bankLedger() {
  const b = new StreamsBuilder();
  b.stream('transfers', { key: S, value: transfer })
    .groupByKey()
    .aggregate(() => 0, (_account, t, balance) => balance + t.amount, 'balances', { value: Serdes.Int64() })
    .toStream()
    .mapValues((balance, account, ctx): Balance => ({ account, balance, partition: ctx.partition, offset: ctx.offset }))
    .to('balances', { value: balanceOut });
  return b.build({ applicationId: 'bank' });
}

function record(topic: string, offset: number, key: string | null, value: Buffer | null, partition = 0): InputRecord {
  return { topic, partition, offset, timestamp: 1_000 + offset, key: key === null ? null : Buffer.from(key), value, headers: { trace: `t${offset}` } };
}

describe('TopologyRunner', () => {
  it('bank ledger: balances per account, one output per input, one store change per input', () => {
    const runner = new TopologyRunner(bankLedger());
    const transfers: [string, number][] = [['a', 100], ['b', 50], ['a', -30], ['b', 5], ['a', 1]];
    const outputs = transfers.map(([account, amount], offset) => {
      const result = runner.process(record('transfers', offset, account, transfer.serialize({ amount }), 3));
      expect(result.outputs).toHaveLength(1);
      const [out] = result.outputs;
      const balance = balanceOut.deserialize(out?.value ?? null)?.balance ?? null;
      expect(result.storeChanges).toEqual([{ store: 'balances', key: Buffer.from(account), value: Serdes.Int64().serialize(balance) }]);
      expect(out?.topic).toBe('balances');
      expect(out?.key).toEqual(Buffer.from(account));
      expect(out?.timestamp).toBe(1_000 + offset);
      expect(out?.headers).toEqual({ trace: `t${offset}` });
      return balanceOut.deserialize(out?.value ?? null);
    });
    expect(outputs).toEqual([
      { account: 'a', balance: 100, partition: 3, offset: 0 },
      { account: 'b', balance: 50, partition: 3, offset: 1 },
      { account: 'a', balance: 70, partition: 3, offset: 2 },
      { account: 'b', balance: 55, partition: 3, offset: 3 },
      { account: 'a', balance: 71, partition: 3, offset: 4 },
    ]);
    const rows = [...runner.store('balances').all()].map(([k, v]) => [k.toString(), Serdes.Int64().deserialize(v)]);
    expect(rows).toEqual([['a', 71], ['b', 55]]);
  });

  it('continues from the state in the stores it is given (as after a restore)', () => {
    const restored = new InMemoryKeyValueStore('balances');
    restored.put(Buffer.from('a'), Serdes.Int64().serialize(1_000));
    const runner = new TopologyRunner(bankLedger(), { subtopology: 0, stores: { balances: restored } });
    const { outputs } = runner.process(record('transfers', 7, 'a', transfer.serialize({ amount: 1 })));
    expect(balanceOut.deserialize(outputs[0]?.value ?? null)?.balance).toBe(1_001);
    expect(runner.store('balances')).toBe(restored);
  });

  it('skips records with a null key or value in aggregations, as Kafka Streams does', () => {
    const runner = new TopologyRunner(bankLedger());
    expect(runner.process(record('transfers', 0, null, transfer.serialize({ amount: 5 })))).toEqual({ outputs: [], storeChanges: [] });
    expect(runner.process(record('transfers', 1, 'a', null))).toEqual({ outputs: [], storeChanges: [] });
    expect(runner.store('balances').size).toBe(0);
  });

  it('runs stateless operations in order, forwarding to every branch', () => {
    const b = new StreamsBuilder();
    const seen: string[] = [];
    const words = b
      .stream('in', { key: S, value: S })
      .filter((_k, v) => v !== 'drop')
      .flatMapValues((v) => (v ?? '').split(' '))
      .peek((k, v) => seen.push(`${k}:${v}`));
    words.mapValues((v) => v.toUpperCase()).to('upper', { value: S });
    words.map((k, v) => [v, k] as const).to('swapped', { key: S, value: S });
    words.flatMap((k, v) => (v === 'x' ? [] : [[k, v.length] as const])).to('lengths', { key: S, value: Serdes.Int64() });
    const runner = new TopologyRunner(b.build());
    expect(runner.process(record('in', 0, 'k', S.serialize('drop'))).outputs).toEqual([]);
    const { outputs, storeChanges } = runner.process(record('in', 1, 'k', S.serialize('ab x')));
    expect(storeChanges).toEqual([]);
    expect(seen).toEqual(['k:ab', 'k:x']);
    expect(outputs.map((o) => [o.topic, o.key?.toString(), o.topic === 'lengths' ? Serdes.Int64().deserialize(o.value) : o.value?.toString()])).toEqual([
      ['upper', 'k', 'AB'],
      ['swapped', 'ab', 'k'],
      ['lengths', 'k', 2],
      ['upper', 'k', 'X'],
      ['swapped', 'x', 'k'],
    ]);
  });

  it('reduce keeps the first value and combines the rest', () => {
    const b = new StreamsBuilder();
    b.stream('in', { key: S, value: S })
      .groupByKey()
      .reduce((longest, v) => (v.length > longest.length ? v : longest), 'longest')
      .toStream()
      .to('out');
    const runner = new TopologyRunner(b.build());
    const values = ['ab', 'a', 'abc', 'b'].map(
      (v, i) => runner.process(record('in', i, 'k', S.serialize(v))).outputs[0]?.value?.toString(),
    );
    expect(values).toEqual(['ab', 'ab', 'abc', 'abc']);
    expect(b.build().describe().subtopologies[0]?.nodes[1]?.name).toBe('KSTREAM-REDUCE-0000000001');
  });

  it('says where processing failed', () => {
    const b = new StreamsBuilder();
    b.stream('in', { key: S, value: transfer })
      .mapValues((t) => {
        if (t === null) throw new Error('no transfer');
        return t;
      })
      .to('out', { value: transfer });
    const runner = new TopologyRunner(b.build());
    const failure = (() => {
      try {
        runner.process(record('in', 9, 'k', null));
      } catch (err) {
        return err;
      }
    })();
    expect(failure).toBeInstanceOf(ProcessingError);
    expect(failure).toMatchObject({ node: 'KSTREAM-MAPVALUES-0000000001', record: { topic: 'in', partition: 0, offset: 9 } });
    expect((failure as Error).message).toBe('processing in-0@9 failed at KSTREAM-MAPVALUES-0000000001: no transfer');
    expect(() => runner.process(record('in', 10, 'k', Buffer.from('{')))).toThrow(/failed at KSTREAM-SOURCE-0000000000: JSON/);
    expect(() => runner.process(record('elsewhere', 0, 'k', null))).toThrow(/'elsewhere' is not a source/);
  });
});

describe('word count through a repartition topic', () => {
  function wordCount() {
    const b = new StreamsBuilder();
    b.stream('lines', { key: S, value: S })
      .flatMapValues((line) => (line ?? '').toLowerCase().split(/\W+/).filter((w) => w !== ''))
      .groupBy((_key, word) => word, { key: S, value: S })
      .count('counts')
      .toStream()
      .to('word-counts', { value: Serdes.Int64() });
    return b.build({ applicationId: 'wc' });
  }

  it('counts words, one updated count per word occurrence', () => {
    const driver = new TopologyTestDriver(wordCount());
    const lines = driver.inputTopic('lines', { key: S, value: S });
    const counts = driver.outputTopic('word-counts', { key: S, value: Serdes.Int64() });
    lines.pipe(null, 'the quick fox');
    lines.pipe(null, 'The lazy dog, the end');
    lines.pipe(null, null);
    expect(counts.readKeyValues()).toEqual([
      ['the', 1], ['quick', 1], ['fox', 1], ['the', 2], ['lazy', 1], ['dog', 1], ['the', 3], ['end', 1],
    ]);
    expect(counts.readKeyValues()).toEqual([]);
    expect(driver.storeChanges.map((c) => c.key.toString())).toEqual(['the', 'quick', 'fox', 'the', 'lazy', 'dog', 'the', 'end']);
    expect(Serdes.Int64().deserialize(driver.store('counts').get(Buffer.from('the')))).toBe(3);
  });

  it('splits into the two tasks the runtime will run: re-key and send, then read back and count', () => {
    const topology = wordCount();
    const rekey = new TopologyRunner(topology, { subtopology: 0 });
    const count = new TopologyRunner(topology, { subtopology: 1 });
    expect(rekey.sourceTopics).toEqual(['lines']);
    expect(count.sourceTopics).toEqual(['wc-counts-repartition']);
    const sent = rekey.process(record('lines', 0, null, S.serialize('a b a')));
    expect(sent.storeChanges).toEqual([]);
    expect(sent.outputs.map((o) => [o.topic, o.key?.toString(), o.value?.toString()])).toEqual([
      ['wc-counts-repartition', 'a', 'a'],
      ['wc-counts-repartition', 'b', 'b'],
      ['wc-counts-repartition', 'a', 'a'],
    ]);
    const counted = sent.outputs.map((o, i) => count.process({ ...o, partition: 0, offset: i }));
    expect(counted.map((r) => Serdes.Int64().deserialize(r.outputs[0]?.value ?? null))).toEqual([1, 1, 2]);
    expect(counted.map((r) => r.storeChanges.length)).toEqual([1, 1, 1]);
    expect(() => new TopologyRunner(topology, { subtopology: 2 })).toThrow(/no sub-topology 2/);
  });
});
