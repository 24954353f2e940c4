// The restore consumer (Kafka Streams' StoreChangelogReader): changelog partitions are read
// outside the group, assign()-style, by a Fetcher of their own — never part of the group's
// assignment. Active tasks register to restore up to the changelog's end (the end offset listed
// when they register: the last stable offset under exactly-once, so no open transaction is read
// as state); standby tasks register to follow their changelogs for as long as they exist. While
// any active task restores, standby changelogs are paused, as Kafka Streams does.
import type { KafkaClient } from '../../client/client.js';
import type { Fetcher } from '../../client/fetcher.js';
import { listOffsets } from '../../client/list-offsets.js';
import { partitionKey } from '../../client/assigned-partitions.js';
import type { ProcessorStateManager } from './state-manager.js';
import type { TaskId, TopicPartition } from './tasks.js';

export type ChangelogRole = 'active' | 'standby';

interface Registered extends TopicPartition {
  taskId: TaskId;
  role: ChangelogRole;
  state: ProcessorStateManager;
  /** Restore target of an active task's changelog; null for a standby. */
  endOffset: number | null;
}

export interface RestoreProgress {
  taskId: TaskId;
  restored: number;
  toRestore: number;
}

export interface ChangelogPoll {
  /** Active tasks whose every changelog reached its end in this poll. */
  restored: TaskId[];
  /** Active tasks that applied records and are not done yet. */
  progress: RestoreProgress[];
  /** Standby tasks that applied records. */
  standbysUpdated: TaskId[];
  errors: Array<{ taskId: TaskId; error: Error }>;
}

interface TaskRestore {
  restored: number;
  toRestore: number;
  startedAt: number;
}

export class StoreChangelogReader {
  readonly #byPartition = new Map<string, Registered>();
  readonly #restores = new Map<TaskId, TaskRestore>();

  constructor(
    private readonly client: KafkaClient,
    private readonly fetcher: Fetcher,
  ) {}

  /**
   * Starts restoring an active task's stores from where they stand (or the changelog's start) to
   * the changelog's end; returns true when there is nothing to read.
   */
  async registerActive(state: ProcessorStateManager): Promise<boolean> {
    if (!state.stateful) return true;
    // The end is the high watermark, also under read_committed: the last stable offset stops at
    // the first open transaction, and one left open by an earlier owner that is gone but not yet
    // timed out (a zombie) may have committed records of a later owner behind it. Reading to the
    // LSO would miss those; reading to the high watermark waits until the open transaction ends
    // (committed or aborted), then applies every committed record before the end.
    const ends = await listOffsets(this.client, state.changelogs, 'latest', 'read_uncommitted');
    const starts = await listOffsets(this.client, state.changelogs, 'earliest', this.fetcher.isolationLevel);
    let toRestore = 0;
    const pending: Registered[] = [];
    for (const tp of state.changelogs) {
      const end = ends.get(partitionKey(tp.topic, tp.partition));
      const start = starts.get(partitionKey(tp.topic, tp.partition));
      if (end instanceof Error) throw end;
      if (start instanceof Error) throw start;
      const from = Math.max(state.changelogOffset(tp.topic) ?? start ?? 0, start ?? 0);
      if (end === undefined || end <= from) {
        if (end !== undefined) state.noteWritten(tp.topic, end);
        continue;
      }
      toRestore += end - from;
      pending.push({ ...tp, taskId: state.taskId, role: 'active', state, endOffset: end });
    }
    // The task was closed while the end offsets were being listed (revived, migrated): a newer
    // state of the same task may be registered by now, and must not be replaced by this one.
    if (state.closed) return true;
    this.unregister(state.taskId);
    if (pending.length === 0) return true;
    this.#restores.set(state.taskId, { restored: 0, toRestore, startedAt: Date.now() });
    for (const r of pending) this.#byPartition.set(partitionKey(r.topic, r.partition), r);
    this.fetcher.assign(pending.map((r) => ({ topic: r.topic, partition: r.partition, position: state.changelogOffset(r.topic) ?? 'earliest' })));
    this.#pauseStandbysWhileRestoring();
    return false;
  }

  /** Follows a standby task's changelogs from where its stores stand (or the start). */
  registerStandby(state: ProcessorStateManager): void {
    if (!state.stateful) return;
    this.unregister(state.taskId);
    const parts = state.changelogs.map((tp): Registered => ({ ...tp, taskId: state.taskId, role: 'standby', state, endOffset: null }));
    for (const r of parts) this.#byPartition.set(partitionKey(r.topic, r.partition), r);
    this.fetcher.assign(parts.map((r) => ({ topic: r.topic, partition: r.partition, position: state.changelogOffset(r.topic) ?? 'earliest' })));
    this.#pauseStandbysWhileRestoring();
  }

  unregister(taskId: TaskId): void {
    const gone = [...this.#byPartition.values()].filter((r) => r.taskId === taskId);
    for (const r of gone) this.#byPartition.delete(partitionKey(r.topic, r.partition));
    if (gone.length > 0) this.fetcher.unassign(gone.map(({ topic, partition }) => ({ topic, partition })));
    this.#restores.delete(taskId);
    this.#pauseStandbysWhileRestoring();
  }

  get restoring(): boolean {
    return this.#restores.size > 0;
  }

  get idle(): boolean {
    return this.#byPartition.size === 0;
  }

  restoreOf(taskId: TaskId): (TaskRestore & { durationMs: number }) | null {
    const r = this.#restores.get(taskId);
    return r ? { ...r, durationMs: Date.now() - r.startedAt } : null;
  }

  /** Records between a standby's stores and its changelogs' end (null until a fetch reported the end). */
  standbyLag(taskId: TaskId): number | null {
    let lag = 0;
    for (const r of this.#byPartition.values()) {
      if (r.taskId !== taskId) continue;
      const l = this.fetcher.lag(r);
      if (l === null) return null;
      lag += l;
    }
    return lag;
  }

  async poll(maxWaitMs: number): Promise<ChangelogPoll> {
    const out: ChangelogPoll = { restored: [], progress: [], standbysUpdated: [], errors: [] };
    if (this.#byPartition.size === 0) return out;
    const { batches, errors } = await this.fetcher.poll(maxWaitMs);
    const progressed = new Set<TaskId>();
    const standbys = new Set<TaskId>();
    for (const b of batches) {
      const r = this.#byPartition.get(partitionKey(b.topic, b.partition));
      if (r === undefined) continue;
      const records = r.endOffset === null ? b.records : b.records.filter((x) => x.offset < r.endOffset!);
      const applied = r.state.apply(b.topic, records, r.endOffset === null ? b.nextOffset : Math.min(b.nextOffset, r.endOffset));
      if (r.role === 'standby') {
        if (applied > 0 || b.records.length > 0) standbys.add(r.taskId);
        continue;
      }
      const restore = this.#restores.get(r.taskId);
      if (restore) restore.restored += applied;
      // Past the end (markers, or a batch straddling it): this changelog is done.
      if (b.nextOffset >= r.endOffset!) {
        this.#byPartition.delete(partitionKey(b.topic, b.partition));
        this.fetcher.unassign([{ topic: b.topic, partition: b.partition }]);
      }
      progressed.add(r.taskId);
    }
    // A fetch holding only transaction markers or aborted records hands nothing out but moves the
    // position. That is often all a promoted standby has left to read (the dead owner's aborted
    // transaction), so follow the position, or the restore would never reach its end.
    for (const r of [...this.#byPartition.values()]) {
      const position = this.fetcher.position(r);
      if (position === null) continue;
      const reached = r.endOffset === null ? position : Math.min(position, r.endOffset);
      const current = r.state.changelogOffset(r.topic);
      if (current === null ? reached > 0 : reached > current) r.state.apply(r.topic, [], reached);
      if (r.endOffset !== null && position >= r.endOffset) {
        this.#byPartition.delete(partitionKey(r.topic, r.partition));
        this.fetcher.unassign([{ topic: r.topic, partition: r.partition }]);
        progressed.add(r.taskId);
      }
    }
    for (const taskId of progressed) {
      const stillReading = [...this.#byPartition.values()].some((r) => r.taskId === taskId && r.role === 'active');
      const restore = this.#restores.get(taskId)!;
      if (stillReading) out.progress.push({ taskId, restored: restore.restored, toRestore: restore.toRestore });
      else out.restored.push(taskId);
    }
    out.standbysUpdated = [...standbys];
    for (const e of errors) {
      const r = this.#byPartition.get(partitionKey(e.topic, e.partition));
      if (r) out.errors.push({ taskId: r.taskId, error: e.error });
    }
    return out;
  }

  /** Ends an active task's restore record (after `restored` reported it). */
  finishRestore(taskId: TaskId): TaskRestore & { durationMs: number } {
    const r = this.#restores.get(taskId) ?? { restored: 0, toRestore: 0, startedAt: Date.now() };
    this.#restores.delete(taskId);
    this.#pauseStandbysWhileRestoring();
    return { ...r, durationMs: Date.now() - r.startedAt };
  }

  #pauseStandbysWhileRestoring(): void {
    const standby = [...this.#byPartition.values()].filter((r) => r.role === 'standby').map(({ topic, partition }) => ({ topic, partition }));
    if (standby.length === 0) return;
    if (this.#restores.size > 0) this.fetcher.pause(standby);
    else this.fetcher.resume(standby);
  }

  close(): void {
    this.fetcher.close();
  }
}
