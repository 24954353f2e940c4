// Kafka Streams' ClientState, reduced to what the high-availability assignor reads and writes: one
// KafkaStreams instance (all its stream threads), its capacity (= number of threads), its lag on
// each stateful task, and the active and standby tasks assigned to it so far.
import type { TaskId } from '../tasks.js';
import type { ProcessId } from './process-id.js';
import { LATEST_OFFSET, UNKNOWN_OFFSET_SUM } from './subscription-info.js';

export class ClientState {
  readonly active = new Set<TaskId>();
  readonly standby = new Set<TaskId>();

  constructor(
    readonly processId: ProcessId,
    readonly capacity: number,
    /** Position in Java's ProcessId order: ties between equally loaded clients go to the lower one. */
    readonly order: number,
    private readonly lags: ReadonlyMap<TaskId, number>,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`client ${processId}: capacity must be a positive integer; was ${capacity}`);
  }

  /** Changelog records this client is behind on `task`; LATEST_OFFSET when it runs it, UNKNOWN_OFFSET_SUM. */
  lagFor(task: TaskId): number {
    const lag = this.lags.get(task);
    if (lag === undefined) throw new Error(`tried to look up the lag of ${this.processId} for the unknown task ${task}`);
    return lag;
  }

  hasAssignedTask(task: TaskId): boolean {
    return this.active.has(task) || this.standby.has(task);
  }

  assignActive(task: TaskId): void {
    this.assertNotAssigned(task);
    this.active.add(task);
  }

  assignStandby(task: TaskId): void {
    this.assertNotAssigned(task);
    this.standby.add(task);
  }

  unassignActive(task: TaskId): void {
    if (!this.active.delete(task)) throw new Error(`tried to unassign active task ${task} from ${this.processId}, which does not have it`);
  }

  unassignStandby(task: TaskId): void {
    if (!this.standby.delete(task)) throw new Error(`tried to unassign standby task ${task} from ${this.processId}, which does not have it`);
  }

  assignedTaskCount(): number {
    return this.active.size + this.standby.size;
  }

  /** Tasks (active and standby) per stream thread. */
  assignedTaskLoad(): number {
    return this.assignedTaskCount() / this.capacity;
  }

  activeTaskLoad(): number {
    return this.active.size / this.capacity;
  }

  private assertNotAssigned(task: TaskId): void {
    if (this.hasAssignedTask(task)) throw new Error(`tried to assign task ${task} to ${this.processId}, which already has it`);
  }
}

/**
 * ClientState.computeTaskLags: lag per stateful task = end offset sum − the client's offset sum (0
 * when it has no state). The sentinels pass through; an offset sum beyond the end (a corrupted
 * task, or a truncated changelog) counts as having no state at all.
 */
export function computeTaskLags(taskOffsetSums: ReadonlyMap<TaskId, number>, endOffsetSums: ReadonlyMap<TaskId, number>): Map<TaskId, number> {
  const lags = new Map<TaskId, number>();
  for (const [task, end] of endOffsetSums) {
    const sum = taskOffsetSums.get(task) ?? 0;
    if (sum === LATEST_OFFSET || sum === UNKNOWN_OFFSET_SUM) lags.set(task, sum);
    else lags.set(task, end < sum ? end : end - sum);
  }
  return lags;
}
