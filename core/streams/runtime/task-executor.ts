// How the thread's tasks' work reaches Kafka under each processing guarantee (Kafka Streams'
// TaskExecutor): collected records go to the thread's StreamsProducer; a commit is, under
// at_least_once, every record acknowledged then OffsetCommit through the group member, and under
// exactly_once_v2 the thread's one transaction committed with the consumed offsets and the
// generation they were processed in; at_most_once commits offsets before processing. Failures are
// thrown for the TaskManager to decide what they mean for the tasks.
import type { GroupMember } from '../../client/group/group-member.js';
import type { ProcessingGuarantee, StreamsConfig } from './config.js';
import { errorMessage } from './kafka-errors.js';
import type { ThreadMetrics } from './metrics.js';
import type { StreamTask } from './stream-task.js';
import { TaskMigratedError, type StreamsProducer, type TopicPartitionOffset } from './streams-producer.js';
import type { StreamsEventInput } from './telemetry.js';

export interface TaskExecutorDeps {
  config: StreamsConfig;
  producer: StreamsProducer;
  member: GroupMember;
  metrics: ThreadMetrics;
  emit(event: StreamsEventInput): void;
}

export class TaskExecutor {
  readonly #config: StreamsConfig;
  readonly #producer: StreamsProducer;
  readonly #member: GroupMember;
  readonly #metrics: ThreadMetrics;
  readonly #emit: (event: StreamsEventInput) => void;

  constructor(deps: TaskExecutorDeps) {
    this.#config = deps.config;
    this.#producer = deps.producer;
    this.#member = deps.member;
    this.#metrics = deps.metrics;
    this.#emit = deps.emit;
  }

  get eos(): boolean {
    return this.#config.processingGuarantee === 'exactly_once_v2';
  }

  /** Hands a task's collected records to the producer (acknowledged by the next commit at the latest). */
  async flush(task: StreamTask): Promise<void> {
    const count = task.collector.size;
    if (count === 0) return;
    const changelogs = new Set(task.changelogs.map((c) => c.topic));
    this.#producer.send(task.id, task.collector.drain(), (acked) => {
      // Where the task's changelogs end now: what its next checkpoint records.
      if (changelogs.size === 0 || task.state.closed) return;
      for (const m of acked) if (changelogs.has(m.topic)) task.state.noteWritten(m.topic, m.offset + 1);
    });
    this.#metrics.recordsOut += count;
    await this.#producer.backpressure();
  }

  /**
   * Commits the running tasks' outputs and consumed offsets, and marks them committed; returns
   * the offsets. Throws TaskMigratedError when the group or the transaction coordinator says the
   * tasks belong to someone else now, and whatever else failed otherwise.
   */
  async commit(running: readonly StreamTask[]): Promise<TopicPartitionOffset[]> {
    const started = performance.now();
    for (const task of running) await this.flush(task);
    const offsets = running.flatMap((t) => t.uncommitted());
    if (this.eos) {
      // The generation the tasks were processed in. A member the heartbeat has already found
      // dropped has none (-1), and a commit without one would not be checked: migrated.
      const group = this.#member.groupMetadata();
      if (group.generationId < 0) throw new TaskMigratedError(new Error(`no generation: the group dropped this member (${group.groupId})`), 'lost');
      await this.#producer.commitTransaction(running.map((t) => t.id), offsets, group);
    } else {
      await this.#producer.flush();
      if (offsets.length > 0 && this.#config.processingGuarantee === 'at_least_once') await this.#member.commitOffsets(offsets);
    }
    for (const task of running) task.markCommitted(offsets.filter((o) => task.sources.some((s) => s.topic === o.topic && s.partition === o.partition)));
    if (offsets.length > 0) this.#committed(this.#config.processingGuarantee, offsets, performance.now() - started);
    return offsets;
  }

  /** at_most_once: the offset moves past a batch before it is processed, so a crash loses it. */
  async commitBeforeProcessing(topic: string, partition: number, next: number): Promise<void> {
    const started = performance.now();
    await this.#member.commitOffsets([{ topic, partition, offset: next }]);
    this.#committed('at_most_once', [{ topic, partition, offset: next }], performance.now() - started);
  }

  /** Aborts the open transaction; a producer that cannot abort (fenced) is replaced. */
  async abortTransaction(reason: string): Promise<void> {
    try {
      await this.#producer.abortTransaction();
    } catch (err) {
      this.#emit({ type: 'log', level: 'warn', message: `abort after ${reason}: ${errorMessage(err)}; re-initialising the producer` });
      await this.#producer.reset().catch((e: unknown) => this.#emit({ type: 'error', message: `re-initialising the producer: ${errorMessage(e)}`, fatal: false }));
    }
  }

  #committed(guarantee: ProcessingGuarantee, offsets: TopicPartitionOffset[], durationMs: number): void {
    this.#metrics.addCommit(durationMs);
    this.#emit({ type: 'commit', guarantee, offsets, durationMs });
  }
}
