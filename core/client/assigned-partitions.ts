// The partitions a fetcher reads and where it stands in each (the Java client's
// SubscriptionState, for manually assigned partitions): the position (next offset to hand out),
// a pending reset to the log's start or end, paused or not, a failure that stops the partition
// until the next seek, and the log's marks as the last fetch response reported them.
import { partitionKey, type TopicPartition } from '../protocol/topic-partition.js';

export { partitionKey };
export type { TopicPartition };

/** An offset, or where to look it up: the log start, or its end (the LSO under read_committed). */
export type StartPosition = number | 'earliest' | 'latest';

export interface LogMarks {
  /** -1 until a fetch response reports it. */
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
}

export interface PartitionState extends TopicPartition, LogMarks {
  /** The next offset to hand out; null while a reset is pending or after a failure. */
  position: number | null;
  /** A reset waiting for ListOffsets. */
  resetTo: 'earliest' | 'latest' | null;
  paused: boolean;
  /** Why the partition stopped (OFFSET_OUT_OF_RANGE without a reset policy, corrupt data, …); a seek clears it. */
  failure: Error | null;
  /** The leader epoch of the last batch handed out. */
  lastEpoch: number | null;
  /** Bumped on every seek, so an answer to an older position is recognised and dropped. */
  seeks: number;
}

export class AssignedPartitions {
  private readonly states = new Map<string, PartitionState>();

  /** Adds partitions, or moves ones already assigned to the new start position. */
  assign(partitions: ReadonlyArray<TopicPartition & { position: StartPosition }>): void {
    for (const p of partitions) {
      const key = partitionKey(p.topic, p.partition);
      let state = this.states.get(key);
      if (!state) {
        state = {
          topic: p.topic,
          partition: p.partition,
          position: null,
          resetTo: null,
          paused: false,
          failure: null,
          lastEpoch: null,
          seeks: 0,
          highWatermark: -1,
          lastStableOffset: -1,
          logStartOffset: -1,
        };
        this.states.set(key, state);
      }
      this.seek(state, p.position);
    }
  }

  unassign(partitions: readonly TopicPartition[]): void {
    for (const p of partitions) this.states.delete(partitionKey(p.topic, p.partition));
  }

  seek(state: PartitionState, position: StartPosition): void {
    if (typeof position === 'number' && (!Number.isSafeInteger(position) || position < 0)) {
      throw new RangeError(`cannot seek ${state.topic}-${state.partition} to ${position}: an offset is a non-negative integer`);
    }
    state.seeks++;
    state.failure = null;
    state.lastEpoch = null;
    state.position = typeof position === 'number' ? position : null;
    state.resetTo = typeof position === 'number' ? null : position;
  }

  get(topic: string, partition: number): PartitionState | undefined {
    return this.states.get(partitionKey(topic, partition));
  }

  /** The state, or an error naming a partition that is not assigned. */
  require(tp: TopicPartition): PartitionState {
    const state = this.get(tp.topic, tp.partition);
    if (!state) throw new Error(`${tp.topic}-${tp.partition} is not assigned to this fetcher`);
    return state;
  }

  all(): IterableIterator<PartitionState> {
    return this.states.values();
  }

  get size(): number {
    return this.states.size;
  }
}

/** Whether the partition can be fetched now (buffered data and requests in flight aside). */
export function hasValidPosition(state: PartitionState): state is PartitionState & { position: number } {
  return state.position !== null && state.failure === null;
}

/** Partitions by topic, in first-seen order (requests address partitions per topic). */
export function groupByTopic<T extends TopicPartition>(partitions: Iterable<T>): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const p of partitions) {
    const list = out.get(p.topic);
    if (list) list.push(p);
    else out.set(p.topic, [p]);
  }
  return out;
}
