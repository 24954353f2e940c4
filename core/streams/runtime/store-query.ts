// Interactive queries against the stores this instance holds, as Kafka Streams'
// KafkaStreams.store(StoreQueryParameters) picks them (StreamThreadStateStoreProvider): by default
// only an active task's store, and only while the instance is RUNNING; with stale stores enabled
// also standbys (and warm-ups) and active tasks still restoring, also while REBALANCING. The
// caller learns which task and role answered and how far its changelog is behind, so a stale
// answer can say so.
import { readOnly, type ReadOnlyKeyValueStore } from '../state/read-only-store.js';
import type { KeyValueStore } from '../state/key-value-store.js';
import type { Topology } from '../topology/topology.js';
import { taskId, type TaskId } from './tasks.js';
import type { StreamsState, TaskPhase } from './telemetry.js';

export interface StoreQueryParameters {
  storeName: string;
  /**
   * The task's partition (Kafka's withPartition): with the store it names one task, since a store
   * belongs to one sub-topology. The caller computes it from the key (the app's partitioner).
   */
  partition: number;
  /** Kafka's enableStaleStores(): standbys and restoring active tasks may answer, also while rebalancing. */
  staleStores?: boolean;
}

export type StoreRole = 'active' | 'standby' | 'warmup';

export interface QueriedStore {
  taskId: TaskId;
  role: StoreRole;
  /** The active task's phase; 'running' for a standby (it follows its changelog). */
  phase: TaskPhase;
  store: ReadOnlyKeyValueStore;
  /**
   * Changelog records the store is behind: 0 for a running active task (its store is where the
   * changelog is written from, as Kafka's LagInfo reports it), what is left to restore for a
   * restoring one, a standby's distance to the changelog's end; null while unknown.
   */
  changelogLag: number | null;
}

/** Why no store answered (Kafka's UnknownStateStore / StreamsNotStarted / StreamsStopped / InvalidStateStore exceptions). */
export type StoreQueryFailure = 'unknown-store' | 'not-started' | 'stopped' | 'rebalancing' | 'not-hosted';

export class InvalidStateStoreError extends Error {
  override readonly name = 'InvalidStateStoreError';
  constructor(
    readonly reason: StoreQueryFailure,
    message: string,
  ) {
    super(message);
  }
}

/** The tasks the instance holds now, with what a query needs of each. */
export interface LocalTask {
  taskId: TaskId;
  role: StoreRole;
  phase: TaskPhase;
  store(name: string): KeyValueStore | undefined;
  changelogLag(): number | null;
}

export function findStore(topology: Topology, state: StreamsState, tasks: readonly LocalTask[], params: StoreQueryParameters): QueriedStore {
  const { storeName, partition } = params;
  const stale = params.staleStores ?? false;
  const sub = topology.subtopologies.find((s) => s.stores.includes(storeName));
  if (sub === undefined) throw new InvalidStateStoreError('unknown-store', `Cannot get state store ${storeName} because no such store is registered in the topology.`);
  if (state === 'CREATED') throw new InvalidStateStoreError('not-started', `Cannot get state store ${storeName}: the instance has not started yet.`);
  if (state !== 'RUNNING' && state !== 'REBALANCING') throw new InvalidStateStoreError('stopped', `Cannot get state store ${storeName}: the instance is ${state}.`);
  if (!stale && state !== 'RUNNING') {
    throw new InvalidStateStoreError('rebalancing', `Cannot get state store ${storeName} because the stream thread is ${state}, not RUNNING.`);
  }
  const id = taskId(sub.id, partition);
  const task = tasks.find((t) => t.taskId === id && (stale || (t.role === 'active' && t.phase === 'running')));
  const store = task?.store(storeName);
  if (task === undefined || store === undefined) {
    throw new InvalidStateStoreError(
      'not-hosted',
      `Cannot get state store ${storeName} of task ${id}: this instance holds no ${stale ? '' : 'running active '}copy of it. The state store may have migrated to another instance.`,
    );
  }
  return { taskId: id, role: task.role, phase: task.phase, store: readOnly(store), changelogLag: task.changelogLag() };
}
