// word-count: Kafka Streams' classic. Sentences are split into lowercased words, re-keyed by word
// (through the `<app>-counts-repartition` topic) and counted in the 'counts' store.
import { Serdes, StreamsBuilder } from '../streams/index.js';
import type { Topology } from '../streams/index.js';

export const COUNTS_STORE = 'counts';

export interface WordCountOptions {
  applicationId: string;
  input?: string;
  output?: string;
}

/** Lowercased runs of letters and digits; everything else separates words. */
export function words(sentence: string): string[] {
  return sentence
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
}

/**
 * Input: any key, value = a UTF-8 sentence. Output: key = word, value = the word's count so far
 * as an 8-byte big-endian long (Serdes.Int64(), Kafka's LongSerde), one record per occurrence.
 */
export function wordCountTopology({ applicationId, input = 'sentences', output = 'word-counts' }: WordCountOptions): Topology {
  const b = new StreamsBuilder();
  b.stream(input, { key: Serdes.String(), value: Serdes.String() })
    .flatMapValues((sentence) => (sentence === null ? [] : words(sentence)))
    .groupBy((_key, word) => word, { key: Serdes.String(), value: Serdes.String() })
    .count(COUNTS_STORE)
    .toStream()
    .to(output);
  return b.build({ applicationId });
}
