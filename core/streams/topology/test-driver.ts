// TopologyTestDriver, after Kafka Streams' own: pipe typed records in, read typed records out,
// with no broker. Records written to a repartition topic are read back at once, so a topology
// runs whole; offsets count up per topic and partition.
import type { Headers, InputRecord, OutputRecord, StoreChange } from '../records.js';
import type { Serde } from '../serdes.js';
import type { KeyValueStore } from '../state/key-value-store.js';
import { TopologyRunner } from './runner.js';
import type { ProcessResult } from './runner.js';
import type { Topology } from './topology.js';

export interface PipeOptions {
  partition?: number;
  timestamp?: number;
  headers?: Headers;
}

export class TopologyTestDriver {
  readonly runner: TopologyRunner;
  /** Every store write so far, in order: what the changelogs would hold. */
  readonly storeChanges: StoreChange[] = [];
  readonly #repartition: Set<string>;
  readonly #offsets = new Map<string, number>();
  readonly #unread = new Map<string, OutputRecord[]>();

  constructor(readonly topology: Topology) {
    this.runner = new TopologyRunner(topology);
    this.#repartition = new Set(topology.repartitionTopics());
  }

  /** Processes one record and every record it sends through repartition topics. */
  pipe(topic: string, key: Buffer | null, value: Buffer | null, options: PipeOptions = {}): ProcessResult {
    const total: ProcessResult = { outputs: [], storeChanges: [] };
    const queue: InputRecord[] = [this.#record(topic, key, value, options)];
    for (let record = queue.shift(); record !== undefined; record = queue.shift()) {
      const result = this.runner.process(record);
      total.outputs.push(...result.outputs);
      total.storeChanges.push(...result.storeChanges);
      for (const out of result.outputs) {
        if (this.#repartition.has(out.topic)) {
          queue.push(this.#record(out.topic, out.key, out.value, { timestamp: out.timestamp, headers: out.headers }));
        } else {
          const unread = this.#unread.get(out.topic) ?? [];
          unread.push(out);
          this.#unread.set(out.topic, unread);
        }
      }
    }
    this.storeChanges.push(...total.storeChanges);
    return total;
  }

  inputTopic<K, V>(topic: string, serdes: { key: Serde<K>; value: Serde<V> }) {
    return {
      pipe: (key: K | null, value: V | null, options?: PipeOptions): ProcessResult =>
        this.pipe(topic, serdes.key.serialize(key), serdes.value.serialize(value), options),
    };
  }

  outputTopic<K, V>(topic: string, serdes: { key: Serde<K>; value: Serde<V> }) {
    return {
      /** Returns the records not read yet, and marks them read. */
      readKeyValues: (): [K | null, V | null][] => {
        const records = this.#unread.get(topic) ?? [];
        this.#unread.delete(topic);
        return records.map((r) => [serdes.key.deserialize(r.key), serdes.value.deserialize(r.value)]);
      },
    };
  }

  store(name: string): KeyValueStore {
    return this.runner.store(name);
  }

  #record(topic: string, key: Buffer | null, value: Buffer | null, options: PipeOptions): InputRecord {
    const partition = options.partition ?? 0;
    const at = `${topic}-${partition}`;
    const offset = this.#offsets.get(at) ?? 0;
    this.#offsets.set(at, offset + 1);
    return { topic, partition, offset, timestamp: options.timestamp ?? 0, key, value, headers: options.headers ?? {} };
  }
}
