// A task's stores and how far into each changelog they reflect (Kafka Streams'
// ProcessorStateManager). Owned by an active task or a standby task; when a standby is promoted
// the same state manager moves to the new active task, so only the changelog records written
// since the standby's last update are restored. The changelog offsets also give the task offset
// sum a client reports in its subscription, which the assignor uses to judge who is caught up.
//
// With a state directory, persistent stores (the default) live in the task's directory, which
// the manager locks while it is open, and the task's `.checkpoint` records their changelog
// offsets: opening reads it, so a restart restores only what was written after it. Under
// exactly-once the checkpoint is deleted once read — the stores may then take uncommitted
// writes — and is written again only by a clean close; stores found with data but without a
// checkpoint are wiped and restored from scratch (Kafka's TaskCorruptedException). Without a
// state directory every store is in memory and nothing touches the disk.
import { threadId } from 'node:worker_threads';
import { CheckpointFileError, OFFSET_UNKNOWN, OffsetCheckpoint, type CheckpointEntry } from '../state/checkpoint-file.js';
import { InMemoryKeyValueStore, type KeyValueStore } from '../state/key-value-store.js';
import { LmdbKeyValueStore } from '../state/lmdb-key-value-store.js';
import { StateDirectory, TaskDirLockedError } from '../state/state-directory.js';
import type { StoreSpec } from '../topology/nodes.js';
import type { Topology } from '../topology/topology.js';
import { changelogPartitions, parseTaskId, type TaskId, type TopicPartition } from './tasks.js';

export { TaskDirLockedError } from '../state/state-directory.js';

/** Kafka's OFFSET_DELTA_THRESHOLD_FOR_CHECKPOINT: changelog records between two unforced checkpoints. */
export const OFFSET_DELTA_THRESHOLD_FOR_CHECKPOINT = 10_000;

export interface ChangelogRecord {
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
}

export interface StateManagerOptions {
  /** Where persistent stores and the checkpoint live; absent or null: every store in memory. */
  stateDirectory?: StateDirectory | null;
  /** processing.guarantee exactly_once_v2: the checkpoint rules above. */
  eos?: boolean;
  /** Who holds the task directory's lock (the stream thread's name); defaults to this process and thread. */
  owner?: string;
}

/** What opening found on disk, for logs and telemetry. */
export interface StateOpenResult {
  /**
   * 'loaded': offsets came from the checkpoint; 'absent': no checkpoint file; 'unreadable': a
   * corrupt or unknown-version file, taken as none; 'in-memory': no state directory or no
   * persistent store.
   */
  checkpoint: 'loaded' | 'absent' | 'unreadable' | 'in-memory';
  /** Why the stores were wiped on open (exactly-once, data without a checkpoint); null if not. */
  wiped: string | null;
  /** What made the checkpoint unreadable. */
  error: string | null;
}

interface StoreEntry {
  spec: StoreSpec;
  store: KeyValueStore;
  changelog: string;
}

export class ProcessorStateManager {
  readonly changelogs: readonly TopicPartition[];
  readonly eos: boolean;
  readonly opened: StateOpenResult;
  readonly #partition: number;
  readonly #dir: StateDirectory | null;
  readonly #owner: string;
  readonly #entries = new Map<string, StoreEntry>();
  readonly #storeOfChangelog = new Map<string, string>();
  /** Next changelog offset the stores reflect, per changelog topic; absent: nothing read yet. */
  readonly #offsets = new Map<string, number>();
  /** The offsets at the last checkpoint (or open), for maybeCheckpoint's threshold. */
  #checkpointed = new Map<string, number>();
  /** True while this manager holds the task directory (it has persistent stores on disk). */
  #locked = false;
  #closed = false;

  constructor(
    readonly taskId: TaskId,
    topology: Topology,
    options: StateManagerOptions = {},
  ) {
    const { subtopology, partition } = parseTaskId(taskId);
    this.#partition = partition;
    this.changelogs = changelogPartitions(topology, taskId);
    this.eos = options.eos ?? false;
    this.#owner = options.owner ?? `pid ${process.pid} thread ${threadId}`;
    const sub = topology.subtopologies.find((s) => s.id === subtopology)!;
    const specs = sub.stores.map((name) => topology.store(name));
    const onDisk = (options.stateDirectory ?? null) !== null && specs.some((s) => s.type === 'persistent');
    this.#dir = onDisk ? options.stateDirectory! : null;
    if (this.#dir !== null) {
      // Not re-entrant here, unlike StateDirectory.lock: two managers of one task in one thread
      // would open one lmdb environment twice, and the first to close would unlock the other.
      const holder = this.#dir.lockOwner(taskId);
      if (holder !== null) throw new TaskDirLockedError(`task ${taskId}'s state is already open here (held by ${holder}): close it first`);
      if (!this.#dir.lock(taskId, this.#owner)) {
        throw new TaskDirLockedError(`task ${taskId}'s state directory ${this.#dir.taskDir(taskId)} is locked by another owner`);
      }
      this.#locked = true;
    }
    try {
      for (const spec of specs) {
        const changelog = spec.changelogTopic!;
        this.#entries.set(spec.name, { spec, store: this.#openStore(spec), changelog });
        this.#storeOfChangelog.set(changelog, spec.name);
      }
      this.opened = this.#loadCheckpoint();
    } catch (err) {
      this.#abandonStores();
      this.#unlock();
      throw err;
    }
    this.#checkpointed = new Map(this.#offsets);
  }

  get stateful(): boolean {
    return this.#entries.size > 0;
  }

  /** The task's directory when its stores are on disk; null when they are all in memory. */
  get taskDir(): string | null {
    return this.#dir === null ? null : this.#dir.taskDir(this.taskId);
  }

  get closed(): boolean {
    return this.#closed;
  }

  store(name: string): KeyValueStore | undefined {
    return this.#entries.get(name)?.store;
  }

  get storeNames(): string[] {
    return [...this.#entries.keys()];
  }

  /** The stores by name, for the topology runner. */
  storesRecord(): Record<string, KeyValueStore> {
    return Object.fromEntries([...this.#entries].map(([name, e]) => [name, e.store]));
  }

  changelogTopicOf(store: string): string {
    return this.#entries.get(store)!.changelog;
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
    const store = this.#entries.get(this.#storeOfChangelog.get(topic) ?? '')?.store;
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

  /** Writes every store's pending writes to disk (no checkpoint). */
  flush(): void {
    this.#assertOpen();
    for (const { store } of this.#entries.values()) store.flush();
  }

  /**
   * Flushes the stores, then writes the checkpoint: the changelog offset of each persistent
   * store. Without a state directory it only flushes.
   */
  checkpoint(): void {
    this.flush();
    if (!this.#locked) return;
    const entries: CheckpointEntry[] = [];
    for (const { store, changelog } of this.#entries.values()) {
      if (!store.persistent) continue;
      entries.push({ topic: changelog, partition: this.#partition, offset: toCheckpointOffset(this.#offsets.get(changelog)) });
    }
    new OffsetCheckpoint(this.#dir!.checkpointFile(this.taskId)).write(entries);
    this.#checkpointed = new Map(this.#offsets);
  }

  /**
   * Kafka's AbstractTask.maybeCheckpoint: checkpoints when forced, or when the changelogs moved
   * more than OFFSET_DELTA_THRESHOLD_FOR_CHECKPOINT records since the last checkpoint; returns
   * whether it did. Under exactly-once an active task calls it only forced (clean close, suspend).
   */
  maybeCheckpoint(enforce: boolean): boolean {
    this.#assertOpen();
    let delta = 0;
    for (const [topic, offset] of this.#offsets) delta += offset - (this.#checkpointed.get(topic) ?? 0);
    if (!enforce && delta <= OFFSET_DELTA_THRESHOLD_FOR_CHECKPOINT) return false;
    this.checkpoint();
    return true;
  }

  /**
   * Kafka's deleteCheckPointFileIfEOSEnabled: under exactly-once, a task that goes back to
   * processing (a suspended task resumed) must not leave a checkpoint behind.
   */
  deleteCheckpointIfEos(): void {
    if (this.eos && this.#locked) new OffsetCheckpoint(this.#dir!.checkpointFile(this.taskId)).delete();
  }

  /**
   * Closes the stores and gives the task directory up. Clean: flush and checkpoint first. Dirty:
   * pending writes are dropped; the disk keeps the last flush and the last checkpoint — except
   * under exactly-once, where the task's state is wiped (Kafka's closeStateManager), so no
   * checkpoint is left and the next owner restores from scratch.
   */
  close({ clean }: { clean: boolean }): void {
    if (this.#closed) return;
    try {
      if (clean) {
        this.checkpoint();
        for (const { store } of this.#entries.values()) store.close();
      } else {
        this.#abandonStores();
        if (this.eos && this.#locked) this.#dir!.wipeTask(this.taskId);
      }
    } finally {
      this.#closed = true;
      this.#unlock();
    }
  }

  /**
   * Forgets everything (a corrupted task is wiped and restored from scratch): the stores are
   * emptied on disk too and reopened, and the checkpoint deleted. The stores are new objects, so
   * whatever held the old ones (a TopologyRunner) must be built again.
   */
  wipe(): void {
    this.#assertOpen();
    this.#wipeStores();
  }

  #openStore(spec: StoreSpec): KeyValueStore {
    if (spec.type === 'persistent' && this.#dir !== null) return new LmdbKeyValueStore(spec.name, this.#dir.storeDir(this.taskId, spec.name));
    return new InMemoryKeyValueStore(spec.name);
  }

  #loadCheckpoint(): StateOpenResult {
    if (!this.#locked) return { checkpoint: 'in-memory', wiped: null, error: null };
    const file = new OffsetCheckpoint(this.#dir!.checkpointFile(this.taskId));
    let loaded: CheckpointEntry[] = [];
    let status: StateOpenResult['checkpoint'];
    let error: string | null = null;
    try {
      loaded = file.read();
      status = loaded.length > 0 ? 'loaded' : 'absent';
    } catch (err) {
      if (!(err instanceof CheckpointFileError) && !(err instanceof RangeError)) throw err;
      status = 'unreadable';
      error = err.message;
    }
    const offsets = new Map(loaded.filter((e) => e.partition === this.#partition).map((e) => [e.topic, e.offset]));
    let corrupted: string | null = null;
    for (const [name, { store, changelog }] of this.#entries) {
      if (!store.persistent) continue;
      const offset = offsets.get(changelog);
      if (offset !== undefined) {
        if (offset !== OFFSET_UNKNOWN) this.#offsets.set(changelog, offset + 1);
      } else if (this.eos && store.size > 0) {
        // The last owner may have died mid-transaction: what the store holds may never have been
        // committed, so it cannot be trusted.
        corrupted = `store '${name}' has data but no checkpoint under exactly-once`;
      }
    }
    if (corrupted !== null) this.#wipeStores();
    else if (this.eos) file.delete();
    return { checkpoint: status, wiped: corrupted, error };
  }

  #wipeStores(): void {
    for (const [name, entry] of this.#entries) {
      if (entry.store instanceof LmdbKeyValueStore) entry.store.destroy();
      else entry.store.close();
      this.#entries.set(name, { ...entry, store: this.#openStore(entry.spec) });
    }
    if (this.#locked) new OffsetCheckpoint(this.#dir!.checkpointFile(this.taskId)).delete();
    this.#offsets.clear();
    this.#checkpointed = new Map();
  }

  #abandonStores(): void {
    for (const { store } of this.#entries.values()) {
      if (store instanceof LmdbKeyValueStore) store.abandon();
      else store.close();
    }
  }

  #unlock(): void {
    if (!this.#locked) return;
    this.#locked = false;
    this.#dir!.unlock(this.taskId, this.#owner);
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error(`the state of task ${this.taskId} is closed`);
  }
}

/** Our next offset → Kafka's checkpointed offset (the last record the store holds). */
function toCheckpointOffset(next: number | undefined): number {
  return next === undefined || next <= 0 ? OFFSET_UNKNOWN : next - 1;
}
