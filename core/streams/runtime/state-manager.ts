// A task's stores and how far into each changelog they reflect (Kafka Streams'
// ProcessorStateManager). Owned by an active task or a standby task; when a standby is promoted
// the same state manager moves to the new active task, so only the changelog records written
// since the standby's last update are restored. The changelog offsets also give the task offset
// sum a client reports in its subscription, which the assignor uses to judge who is caught up.
import { InMemoryKeyValueStore, type KeyValueStore } from '../state/key-value-store.js';
import type { Topology } from '../topology/topology.js';
import { changelogPartitions, parseTaskId, type TaskId, type TopicPartition } from './tasks.js';

export interface ChangelogRecord {
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
}

export class ProcessorStateManager {
  readonly changelogs: readonly TopicPartition[];
  readonly #stores = new Map<string, KeyValueStore>();
  readonly #storeOfChangelog = new Map<string, string>();
  readonly #changelogOfStore = new Map<string, string>();
  /** Next changelog offset the stores reflect, per changelog topic; absent: nothing read yet. */
  readonly #offsets = new Map<string, number>();

  constructor(
    readonly taskId: TaskId,
    topology: Topology,
  ) {
    const { subtopology } = parseTaskId(taskId);
    this.changelogs = changelogPartitions(topology, taskId);
    const sub = topology.subtopologies.find((s) => s.id === subtopology)!;
    for (const name of sub.stores) {
      this.#stores.set(name, new InMemoryKeyValueStore(name));
      const topic = topology.store(name).changelogTopic!;
      this.#storeOfChangelog.set(topic, name);
      this.#changelogOfStore.set(name, topic);
    }
  }

  get stateful(): boolean {
    return this.#stores.size > 0;
  }

  store(name: string): KeyValueStore | undefined {
    return this.#stores.get(name);
  }

  get storeNames(): string[] {
    return [...this.#stores.keys()];
  }

  /** The stores by name, for the topology runner. */
  storesRecord(): Record<string, KeyValueStore> {
    return Object.fromEntries(this.#stores);
  }

  changelogTopicOf(store: string): string {
    return this.#changelogOfStore.get(store)!;
  }

  /** Where restoring or updating a changelog resumes: the next offset, or null to read from its start. */
  changelogOffset(topic: string): number | null {
    return this.#offsets.get(topic) ?? null;
  }

  /**
   * Applies changelog records to the store behind `topic` (not logged back) and moves its offset
   * to `nextOffset`; returns how many records carried data.
   */
  apply(topic: string, records: readonly ChangelogRecord[], nextOffset: number): number {
    const store = this.#stores.get(this.#storeOfChangelog.get(topic) ?? '');
    if (store === undefined) return 0;
    let applied = 0;
    const from = this.#offsets.get(topic) ?? -1;
    for (const r of records) {
      if (r.offset < from || r.key === null) continue;
      store.put(r.key, r.value);
      applied++;
    }
    this.#offsets.set(topic, Math.max(from, nextOffset));
    return applied;
  }

  /** An active task wrote to its changelog up to (not including) `nextOffset`. */
  noteWritten(topic: string, nextOffset: number): void {
    this.#offsets.set(topic, Math.max(this.#offsets.get(topic) ?? 0, nextOffset));
  }

  /**
   * Kafka Streams' task offset sum: the changelog offsets added up (what a client reports for a
   * task it has state for, so the assignor can compute its lag); null with no state at all.
   */
  offsetSum(): number | null {
    if (this.#offsets.size === 0) return null;
    let sum = 0;
    for (const v of this.#offsets.values()) sum += v;
    return sum;
  }

  /** Forgets everything (a corrupted task is wiped and restored from scratch). */
  wipe(): void {
    for (const [name] of this.#stores) this.#stores.set(name, new InMemoryKeyValueStore(name));
    this.#offsets.clear();
  }
}
