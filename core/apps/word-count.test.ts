import { describe, expect, it } from 'vitest';
import { Serdes, TopologyTestDriver } from '../streams/index.js';
import { COUNTS_STORE, wordCountTopology, words } from './word-count.js';

describe('wordCountTopology', () => {
  it('splits lowercased words, counts them through the repartition topic and emits each new count', () => {
    const topology = wordCountTopology({ applicationId: 'wc' });
    expect(topology.repartitionTopics()).toEqual(['wc-counts-repartition']);
    const driver = new TopologyTestDriver(topology);
    const input = driver.inputTopic('sentences', { key: Serdes.String(), value: Serdes.String() });
    input.pipe('acct-000', 'The quick fox');
    input.pipe('acct-001', 'the  FOX, the end.');
    input.pipe('acct-002', null);

    const out = driver.outputTopic('word-counts', { key: Serdes.String(), value: Serdes.Int64() }).readKeyValues();
    expect(out).toEqual([
      ['the', 1],
      ['quick', 1],
      ['fox', 1],
      ['the', 2],
      ['fox', 2],
      ['the', 3],
      ['end', 1],
    ]);
    const rows = [...driver.store(COUNTS_STORE).all()].map(([k, v]) => [k.toString(), Serdes.Int64().deserialize(v)]);
    expect(rows).toEqual([['end', 1], ['fox', 2], ['quick', 1], ['the', 3]]);
  });

  it('words() keeps letters and digits of any script', () => {
    expect(words('  Über 2 cafés—OK?  ')).toEqual(['über', '2', 'cafés', 'ok']);
    expect(words(' ,. ')).toEqual([]);
  });
});
