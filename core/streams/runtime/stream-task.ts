// One active task: a sub-topology's processors over its stores for one partition, where it has
// read up to, and what it has produced since the last commit. Its stores live in a
// ProcessorStateManager (restored by the StoreChangelogReader, possibly carried over from a
// standby). It knows nothing of consumers or groups; the StreamThread moves it through its states.
import { partitionKey } from '../../protocol/topic-partition.js';
import type { InputRecord } from '../records.js';
import type { KeyValueStore } from '../state/key-value-store.js';
import { TopologyRunner } from '../topology/runner.js';
import type { Topology } from '../topology/topology.js';
import { RecordCollector } from './record-collector.js';
import type { ProcessorStateManager } from './state-manager.js';
import type { TopicPartitionOffset } from './streams-producer.js';
import type { TaskPhase } from './telemetry.js';
import { parseTaskId, sourcePartitions } from './tasks.js';
import type { TaskId, TopicPartition } from './tasks.js';


export class StreamTask {
  readonly subtopology: number;
  readonly partition: number;
  readonly sources: readonly TopicPartition[];
  readonly changelogs: readonly TopicPartition[];
  readonly collector = new RecordCollector();
  phase: TaskPhase = 'created';
  processed = 0;
  /** When the last record was processed (Date.now()), for the processing pause of a rebalance. */
  lastProcessedAt: number | null = null;
  readonly #runner: TopologyRunner;
  /** next offset to process, per source partition; unset until known (committed or first fetch) */
  readonly #positions = new Map<string, number>();
  readonly #committed = new Map<string, number>();

  constructor(
    readonly id: TaskId,
    topology: Topology,
    readonly state: ProcessorStateManager,
  ) {
    const { subtopology, partition } = parseTaskId(id);
    this.subtopology = subtopology;
    this.partition = partition;
    this.sources = sourcePartitions(topology, id);
    this.changelogs = state.changelogs;
    this.#runner = new TopologyRunner(topology, { subtopology, stores: state.storesRecord() });
  }

  store(name: string): KeyValueStore | undefined {
    return this.state.store(name);
  }

  get storeNames(): string[] {
    return this.state.storeNames;
  }

  // ---- processing ----

  setCommitted(offsets: readonly TopicPartitionOffset[]): void {
    for (const o of offsets) {
      this.#committed.set(partitionKey(o.topic, o.partition), o.offset);
      this.#positions.set(partitionKey(o.topic, o.partition), o.offset);
    }
  }

  position(topic: string, partition: number): number | undefined {
    return this.#positions.get(partitionKey(topic, partition));
  }

  /** Runs one record through the topology, unless it was processed already; false if skipped. */
  process(record: InputRecord): boolean {
    const key = partitionKey(record.topic, record.partition);
    const position = this.#positions.get(key);
    if (position !== undefined && record.offset < position) return false;
    const result = this.#runner.process(record);
    for (const out of result.outputs) this.collector.add(out);
    for (const change of result.storeChanges) {
      this.collector.addChange(this.state.changelogTopicOf(change.store), this.partition, change.key, change.value, record.timestamp);
    }
    this.#positions.set(key, record.offset + 1);
    this.processed++;
    this.lastProcessedAt = Date.now();
    return true;
  }

  /** Offsets processed but not committed yet: what the next commit must carry. */
  uncommitted(): TopicPartitionOffset[] {
    const out: TopicPartitionOffset[] = [];
    for (const { topic, partition } of this.sources) {
      const key = partitionKey(topic, partition);
      const pos = this.#positions.get(key);
      if (pos !== undefined && pos !== this.#committed.get(key)) out.push({ topic, partition, offset: pos });
    }
    return out;
  }

  positions(): TopicPartitionOffset[] {
    return this.sources.flatMap(({ topic, partition }) => {
      const offset = this.#positions.get(partitionKey(topic, partition));
      return offset === undefined ? [] : [{ topic, partition, offset }];
    });
  }

  markCommitted(offsets: readonly TopicPartitionOffset[]): void {
    for (const o of offsets) this.#committed.set(partitionKey(o.topic, o.partition), o.offset);
  }
}
