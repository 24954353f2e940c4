// One task: a sub-topology's processors and stores for one partition, where it has read up to,
// and what it has produced since the last commit. It knows nothing of consumers or groups; the
// TaskManager and StreamThread move it through its phases.
import type { InputRecord } from '../records.js';
import { InMemoryKeyValueStore } from '../state/key-value-store.js';
import type { KeyValueStore } from '../state/key-value-store.js';
import { TopologyRunner } from '../topology/runner.js';
import type { Topology } from '../topology/topology.js';
import { RecordCollector } from './record-collector.js';
import type { TopicPartitionOffset, TransactionalStreamsProducer } from './streams-producer.js';
import type { TaskPhase } from './telemetry.js';
import { changelogPartitions, parseTaskId, sourcePartitions } from './tasks.js';
import type { TaskId, TopicPartition } from './tasks.js';

const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

interface ChangelogState {
  topic: string;
  partition: number;
  store: string;
  /** next offset to read */
  position: number;
  /** restored once position reaches it */
  end: number;
}

export class StreamTask {
  readonly subtopology: number;
  readonly partition: number;
  readonly sources: readonly TopicPartition[];
  readonly changelogs: readonly TopicPartition[];
  readonly collector = new RecordCollector();
  phase: TaskPhase = 'created';
  producer: TransactionalStreamsProducer | null = null;
  processed = 0;
  restored = 0;
  toRestore = 0;
  restoreStartedAt = 0;
  readonly #runner: TopologyRunner;
  readonly #stores = new Map<string, KeyValueStore>();
  readonly #storeOfChangelog = new Map<string, string>();
  readonly #changelogTopicOfStore = new Map<string, string>();
  /** next offset to process, per source partition; unset until known (committed or first fetch) */
  readonly #positions = new Map<string, number>();
  readonly #committed = new Map<string, number>();
  readonly #restoring = new Map<string, ChangelogState>();

  constructor(readonly id: TaskId, topology: Topology) {
    const { subtopology, partition } = parseTaskId(id);
    this.subtopology = subtopology;
    this.partition = partition;
    this.sources = sourcePartitions(topology, id);
    this.changelogs = changelogPartitions(topology, id);
    const sub = topology.subtopologies.find((s) => s.id === subtopology)!;
    for (const name of sub.stores) {
      this.#stores.set(name, new InMemoryKeyValueStore(name));
      const topic = topology.store(name).changelogTopic!;
      this.#storeOfChangelog.set(topic, name);
      this.#changelogTopicOfStore.set(name, topic);
    }
    this.#runner = new TopologyRunner(topology, { subtopology, stores: Object.fromEntries(this.#stores) });
  }

  store(name: string): KeyValueStore | undefined {
    return this.#stores.get(name);
  }

  get storeNames(): string[] {
    return [...this.#stores.keys()];
  }

  // ---- restore ----

  /** Starts restoring from each changelog's `[start, end)`; returns true if there is nothing to read. */
  beginRestore(ranges: ReadonlyMap<string, { start: number; end: number }>): boolean {
    this.#restoring.clear();
    this.restored = 0;
    this.toRestore = 0;
    this.restoreStartedAt = Date.now();
    for (const { topic, partition } of this.changelogs) {
      const range = ranges.get(topic) ?? { start: 0, end: 0 };
      if (range.end > range.start) {
        this.#restoring.set(topic, { topic, partition, store: this.#storeOfChangelog.get(topic)!, position: range.start, end: range.end });
        this.toRestore += range.end - range.start;
      }
    }
    this.phase = this.#restoring.size === 0 ? 'restored' : 'restoring';
    return this.#restoring.size === 0;
  }

  isRestoring(topic: string): boolean {
    return this.#restoring.has(topic);
  }

  /** Applies changelog records straight to the store (not logged back); returns true when done. */
  restoreBatch(topic: string, records: readonly { offset: number; key: Buffer | null; value: Buffer | null }[], nextOffset: number): boolean {
    const state = this.#restoring.get(topic);
    if (state === undefined) return this.#restoring.size === 0;
    const store = this.#stores.get(state.store)!;
    for (const r of records) {
      if (r.offset < state.position || r.offset >= state.end || r.key === null) continue;
      store.put(r.key, r.value);
      this.restored++;
    }
    return this.advanceRestore(topic, nextOffset);
  }

  /** Moves a changelog's position past records that carried no data (markers, aborted ones). */
  advanceRestore(topic: string, nextOffset: number): boolean {
    const state = this.#restoring.get(topic);
    if (state !== undefined) {
      state.position = Math.max(state.position, nextOffset);
      if (state.position >= state.end) this.#restoring.delete(topic);
    }
    if (this.#restoring.size === 0 && this.phase === 'restoring') this.phase = 'restored';
    return this.#restoring.size === 0;
  }

  // ---- processing ----

  setCommitted(offsets: readonly TopicPartitionOffset[]): void {
    for (const o of offsets) {
      this.#committed.set(tpKey(o.topic, o.partition), o.offset);
      this.#positions.set(tpKey(o.topic, o.partition), o.offset);
    }
  }

  position(topic: string, partition: number): number | undefined {
    return this.#positions.get(tpKey(topic, partition));
  }

  /** Runs one record through the topology, unless it was processed already; false if skipped. */
  process(record: InputRecord): boolean {
    const key = tpKey(record.topic, record.partition);
    const position = this.#positions.get(key);
    if (position !== undefined && record.offset < position) return false;
    const result = this.#runner.process(record);
    for (const out of result.outputs) this.collector.add(out);
    for (const change of result.storeChanges) {
      this.collector.addChange(this.#changelogTopicOfStore.get(change.store)!, this.partition, change.key, change.value, record.timestamp);
    }
    this.#positions.set(key, record.offset + 1);
    this.processed++;
    return true;
  }

  /** Offsets processed but not committed yet: what the next commit must carry. */
  uncommitted(): TopicPartitionOffset[] {
    const out: TopicPartitionOffset[] = [];
    for (const { topic, partition } of this.sources) {
      const key = tpKey(topic, partition);
      const pos = this.#positions.get(key);
      if (pos !== undefined && pos !== this.#committed.get(key)) out.push({ topic, partition, offset: pos });
    }
    return out;
  }

  positions(): TopicPartitionOffset[] {
    return this.sources.flatMap(({ topic, partition }) => {
      const offset = this.#positions.get(tpKey(topic, partition));
      return offset === undefined ? [] : [{ topic, partition, offset }];
    });
  }

  markCommitted(offsets: readonly TopicPartitionOffset[]): void {
    for (const o of offsets) this.#committed.set(tpKey(o.topic, o.partition), o.offset);
  }
}
