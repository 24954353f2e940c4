// The stream thread's tasks (Kafka Streams' TaskManager + TaskExecutor's commits): active tasks
// through created → restoring → running → suspended / closed / migrated, standby and warm-up
// tasks, what the group's rebalance callbacks do to them, and the commits. It runs on the
// thread's SerialQueue (the thread calls in from its queue); task initialisation (producer
// fencing, committed offsets, end offsets) runs outside the queue, so tasks that stay keep
// processing while new ones get ready.
import type { KafkaConfig } from 'kafkajs';
import { KafkaResponseError } from '../../client/errors.js';
import type { Fetcher } from '../../client/fetcher.js';
import type { GroupMember } from '../../client/group/group-member.js';
import { partitionKey } from '../../protocol/topic-partition.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { Topology } from '../topology/topology.js';
import type { StreamsConfig } from './config.js';
import { errorMessage, isFencedError } from './kafka-errors.js';
import type { ThreadMetrics } from './metrics.js';
import type { SerialQueue } from './serial-queue.js';
import { StandbyTask } from './standby-task.js';
import { ProcessorStateManager } from './state-manager.js';
import type { StoreChangelogReader } from './store-changelog-reader.js';
import type { StreamsAssignment } from './streams-partition-assignor.js';
import { TransactionalStreamsProducer, type SharedStreamsProducer, type TopicPartitionOffset } from './streams-producer.js';
import { StreamTask } from './stream-task.js';
import { sortTasks, taskId } from './tasks.js';
import type { TaskId, TopicPartition } from './tasks.js';
import type { StreamsEventInput } from './telemetry.js';

export interface TaskManagerHooks {
  emit(event: StreamsEventInput): void;
  /** An active task changed phase: the thread may be RUNNING now. */
  tasksChanged(): void;
  /** The assignment asks for a probing rebalance at this time (null: none). */
  probingRebalanceAt(at: number | null): void;
}

export interface TaskManagerDeps {
  topology: Topology;
  config: StreamsConfig;
  kafkaConfig: KafkaConfig;
  fetcher: Fetcher;
  changelogReader: StoreChangelogReader;
  member: GroupMember;
  queue: SerialQueue;
  metrics: ThreadMetrics;
  /** The thread's plain producer (at-least-once, at-most-once), once started. */
  sharedProducer: () => SharedStreamsProducer | null;
  hooks: TaskManagerHooks;
}

export class TaskManager {
  readonly #topology: Topology;
  readonly #config: StreamsConfig;
  readonly #kafkaConfig: KafkaConfig;
  readonly #fetcher: Fetcher;
  readonly #changelogReader: StoreChangelogReader;
  readonly #member: GroupMember;
  readonly #queue: SerialQueue;
  readonly #metrics: ThreadMetrics;
  readonly #hooks: TaskManagerHooks;
  readonly #sharedProducer: () => SharedStreamsProducer | null;
  readonly #tasks = new Map<TaskId, StreamTask>();
  readonly #standbys = new Map<TaskId, StandbyTask>();
  /** Source topics → the sub-topology whose tasks own their partitions. */
  readonly #subtopologyOfTopic = new Map<string, number>();
  /** Tasks that just (re)started or stayed through a rebalance: their pause ends at their next record. */
  readonly #pauseFrom = new Map<TaskId, { kind: 'kept' | 'assigned'; since: number }>();
  /**
   * Eager: the suspended tasks the last assignment gave back (kept) or not (revoked). The group
   * member reports neither, since eager gives every partition up before joining.
   */
  #suspendedOutcome: { kept: TaskId[]; revoked: TaskId[] } = { kept: [], revoked: [] };
  /** The assignor's decision for this member in the current generation. */
  assignment: StreamsAssignment | null = null;
  /** The thread is stopping or failed: commits stop, failures close tasks instead of reviving them. */
  closing = false;
  lastCommit = Date.now();

  constructor(deps: TaskManagerDeps) {
    this.#topology = deps.topology;
    this.#config = deps.config;
    this.#kafkaConfig = deps.kafkaConfig;
    this.#fetcher = deps.fetcher;
    this.#changelogReader = deps.changelogReader;
    this.#member = deps.member;
    this.#queue = deps.queue;
    this.#metrics = deps.metrics;
    this.#hooks = deps.hooks;
    this.#sharedProducer = deps.sharedProducer;
    for (const sub of deps.topology.subtopologies) for (const topic of sub.sourceTopics) this.#subtopologyOfTopic.set(topic, sub.id);
  }

  /** Active tasks this thread holds now, for stores and telemetry. */
  tasks(): StreamTask[] {
    return sortTasks(this.#tasks.keys()).map((id) => this.#tasks.get(id)!);
  }

  standbyTasks(): StandbyTask[] {
    return sortTasks(this.#standbys.keys()).map((id) => this.#standbys.get(id)!);
  }

  /** Eager: what the last assignment did with the suspended tasks; read once per rebalance. */
  takeSuspendedOutcome(): { kept: TaskId[]; revoked: TaskId[] } {
    const outcome = this.#suspendedOutcome;
    this.#suspendedOutcome = { kept: [], revoked: [] };
    return outcome;
  }

  /** Graceful: commit every task and close it. Not graceful: drop their work uncommitted. */
  async closeAll(clean: boolean, reason: string): Promise<void> {
    for (const task of this.tasks()) {
      if (clean) await this.closeTask(task, reason);
      else await this.closeDirty(task, 'closed', reason);
    }
    for (const standby of this.standbyTasks()) this.closeStandby(standby, reason);
  }

  notePause(task: StreamTask): void {
    const from = this.#pauseFrom.get(task.id);
    if (from === undefined) return;
    this.#pauseFrom.delete(task.id);
    const now = Date.now();
    this.#hooks.emit({ type: 'pause', taskId: task.id, kind: from.kind, firstProcessedAt: now, pauseMs: now - from.since });
  }

  async onChangelogs(poll: Awaited<ReturnType<StoreChangelogReader['poll']>>): Promise<void> {
    for (const e of poll.errors) this.#hooks.emit({ type: 'error', taskId: e.taskId, message: `reading the changelog: ${e.error.message}`, fatal: false });
    for (const p of poll.progress) {
      const task = this.#tasks.get(p.taskId);
      if (task?.phase === 'restoring') this.#hooks.emit({ type: 'task', taskId: p.taskId, role: 'active', phase: 'restoring', restored: p.restored, toRestore: p.toRestore });
    }
    for (const id of poll.restored) {
      const task = this.#tasks.get(id);
      if (task?.phase === 'restoring') this.#startRunning(task);
    }
  }

  // ---- rebalance callbacks ----

  /** Partitions given up cleanly: commit their tasks and suspend them (eager) or close them (cooperative). */
  async onRevoked(partitions: readonly TopicPartition[]): Promise<void> {
    const revoked = this.#tasksOfPartitions(partitions);
    for (const task of revoked) {
      if (this.#config.rebalanceProtocol === 'eager') await this.#suspendTask(task, 'revoked before rejoining (eager)');
      else await this.closeTask(task, 'revoked');
    }
  }

  /** The generation was lost: the tasks may run elsewhere already, so nothing of them is committed. */
  async onLost(partitions: readonly TopicPartition[]): Promise<void> {
    for (const task of this.#tasksOfPartitions(partitions)) await this.closeDirty(task, 'migrated', 'the group dropped this member (session timeout or fencing)');
  }

  async onAssigned(_added: readonly TopicPartition[], _kept: readonly TopicPartition[]): Promise<void> {
    const assignment = this.assignment;
    if (assignment === null) return;
    const active = new Set(assignment.active);
    const standby = new Set(assignment.standby);
    const suspended = this.tasks().filter((t) => t.phase === 'suspended');
    this.#suspendedOutcome = {
      kept: suspended.filter((t) => active.has(t.id)).map((t) => t.id),
      revoked: suspended.filter((t) => !active.has(t.id)).map((t) => t.id),
    };
    // Suspended tasks (eager) not given back are closed; kept ones resume.
    for (const task of this.tasks()) {
      if (active.has(task.id)) {
        if (task.phase === 'suspended') this.#resumeTask(task);
        else this.#pauseFrom.set(task.id, { kind: 'kept', since: task.lastProcessedAt ?? Date.now() });
      } else if (task.phase === 'suspended') {
        this.#dropTask(task, 'closed', 'not assigned back after the rebalance');
        await task.producer?.close();
      }
    }
    for (const s of this.standbyTasks()) if (!standby.has(s.id) && !active.has(s.id)) this.closeStandby(s, 'no longer assigned here');
    for (const id of assignment.active) if (!this.#tasks.has(id)) this.#createTask(id);
    for (const id of assignment.standby) {
      const role = assignment.warmup.includes(id) ? 'warmup' : 'standby';
      const existing = this.#standbys.get(id);
      if (existing) existing.role = role;
      else if (!this.#tasks.has(id)) this.#createStandby(id, role);
    }
    this.#hooks.probingRebalanceAt(assignment.nextProbingRebalanceAt);
    this.#hooks.tasksChanged();
  }

  // ---- task lifecycle ----

  /** CREATED: the task exists; its producer, offsets and restore are set up outside the queue. */
  #createTask(id: TaskId): void {
    const standby = this.#standbys.get(id);
    if (standby) {
      this.#standbys.delete(id);
      this.#changelogReader.unregister(id);
    }
    const task = new StreamTask(id, this.#topology, standby?.state ?? new ProcessorStateManager(id, this.#topology));
    this.#tasks.set(id, task);
    this.#hooks.emit({ type: 'task', taskId: id, role: 'active', phase: 'created', restoreSource: standby ? 'standby' : 'changelog' });
    this.#pauseFrom.set(id, { kind: 'assigned', since: Date.now() });
    void this.#initTask(task, standby !== undefined);
  }

  async #initTask(task: StreamTask, fromStandby: boolean): Promise<void> {
    try {
      if (this.#config.processingGuarantee === 'exactly_once' && task.producer === null) {
        task.producer = new TransactionalStreamsProducer({
          kafkaConfig: { ...this.#kafkaConfig, clientId: `${this.#config.clientId}-${task.id}-producer` },
          transactionalId: `${this.#config.applicationId}-${task.id}`,
          taskId: task.id,
          transactionTimeoutMs: this.#config.transactionTimeoutMs,
          emit: this.#hooks.emit,
        });
        // Fences any older owner and settles its open transaction before offsets are read.
        await task.producer.init();
      }
      const committed = await this.#member.fetchOffsets(task.sources, { requireStable: this.#config.processingGuarantee === 'exactly_once' });
      task.setCommitted(
        task.sources.flatMap((tp) => {
          const c = committed.get(partitionKey(tp.topic, tp.partition));
          return c ? [{ ...tp, offset: c.offset }] : [];
        }),
      );
      const done = await this.#changelogReader.registerActive(task.state);
      await this.#queue.run(async () => {
        if (this.#tasks.get(task.id) !== task || task.phase !== 'created') return;
        this.#fetcher.assign(task.sources.map((tp) => ({ ...tp, position: task.position(tp.topic, tp.partition) ?? 'earliest' })));
        if (done) {
          this.#startRunning(task);
          return;
        }
        task.phase = 'restoring';
        this.#fetcher.pause(task.sources);
        const r = this.#changelogReader.restoreOf(task.id);
        this.#hooks.emit({ type: 'task', taskId: task.id, role: 'active', phase: 'restoring', restored: 0, toRestore: r?.toRestore ?? 0, restoreSource: fromStandby ? 'standby' : 'changelog' });
      });
    } catch (err) {
      await this.#queue.run(() => this.taskFailed(task, err, 'initialising'));
    }
  }

  #startRunning(task: StreamTask): void {
    const r = this.#changelogReader.finishRestore(task.id);
    this.#hooks.emit({ type: 'task', taskId: task.id, role: 'active', phase: 'restored', restored: r.restored, toRestore: r.restored, durationMs: r.durationMs });
    task.phase = 'running';
    this.#fetcher.resume(task.sources);
    this.#hooks.emit({ type: 'task', taskId: task.id, role: 'active', phase: 'running' });
    this.#hooks.tasksChanged();
  }

  #createStandby(id: TaskId, role: 'standby' | 'warmup'): void {
    const state = new ProcessorStateManager(id, this.#topology);
    if (!state.stateful) return;
    const standby = new StandbyTask(id, state, role);
    this.#standbys.set(id, standby);
    this.#changelogReader.registerStandby(state);
    this.#hooks.emit({ type: 'task', taskId: id, role, phase: 'running' });
  }

  closeStandby(standby: StandbyTask, reason: string): void {
    this.#standbys.delete(standby.id);
    this.#changelogReader.unregister(standby.id);
    this.#hooks.emit({ type: 'task', taskId: standby.id, role: standby.role, phase: 'closed', reason });
  }

  /** Eager revocation: commit, stop fetching, keep the state until the assignment says what follows. */
  async #suspendTask(task: StreamTask, reason: string): Promise<void> {
    if (task.phase === 'running') {
      try {
        await this.#commitTask(task);
      } catch (err) {
        await this.taskFailed(task, err, 'committing on suspend');
        return;
      }
    } else {
      await task.producer?.abort(reason).catch(() => undefined);
      this.#changelogReader.unregister(task.id);
    }
    task.phase = 'suspended';
    this.#fetcher.unassign(task.sources);
    this.#hooks.emit({ type: 'task', taskId: task.id, role: 'active', phase: 'suspended', reason, lastProcessedAt: task.lastProcessedAt });
  }

  /** A suspended task given back: it carries on from its committed positions, state intact. */
  #resumeTask(task: StreamTask): void {
    task.phase = 'created';
    this.#pauseFrom.set(task.id, { kind: 'kept', since: task.lastProcessedAt ?? Date.now() });
    void this.#initTask(task, false);
  }

  /** Clean close: commit what the task did. A fenced or failing commit closes it dirty instead. */
  async closeTask(task: StreamTask, reason: string): Promise<void> {
    if (task.phase === 'running') {
      try {
        await this.#commitTask(task);
      } catch (err) {
        this.#hooks.emit({ type: 'error', taskId: task.id, message: `commit on close (${reason}) failed: ${errorMessage(err)}`, fatal: false });
        if (isFencedError(err)) task.producer?.fenced(errorMessage(err));
        else await task.producer?.abort(errorMessage(err)).catch(() => undefined);
      }
    } else {
      await task.producer?.abort(reason).catch(() => undefined);
    }
    this.#dropTask(task, 'closed', reason);
    await task.producer?.close();
  }

  /** Nothing is committed: abort the open transaction and drop the task's work. */
  async closeDirty(task: StreamTask, phase: 'closed' | 'migrated', reason: string): Promise<void> {
    await task.producer?.abort(reason).catch(() => undefined);
    this.#dropTask(task, phase, reason);
    await task.producer?.close();
  }

  #dropTask(task: StreamTask, phase: 'closed' | 'migrated', reason: string): void {
    if (this.#tasks.get(task.id) === task) this.#tasks.delete(task.id);
    this.#pauseFrom.delete(task.id);
    const wasSuspended = task.phase === 'suspended';
    task.phase = phase;
    task.collector.clear();
    this.#changelogReader.unregister(task.id);
    if (!wasSuspended) this.#fetcher.unassign(task.sources);
    this.#hooks.emit({ type: 'task', taskId: task.id, role: 'active', phase, reason, lastProcessedAt: task.lastProcessedAt });
  }

  async taskFailed(task: StreamTask, err: unknown, during: string): Promise<void> {
    const message = `${during} task ${task.id}: ${errorMessage(err)}`;
    if (isFencedError(err) || isTaskMigrated(err)) {
      // Another instance owns the task now: close it dirty; the group tells us what is ours.
      task.producer?.fenced(errorMessage(err));
      this.#dropTask(task, 'migrated', message);
      await task.producer?.close();
      this.#member.requestRejoin(`task ${task.id} migrated`);
      return;
    }
    if (this.closing) {
      this.#dropTask(task, 'closed', message);
      await task.producer?.close();
      return;
    }
    // Anything else: abort, wipe the task's state and re-create it from the changelog and the
    // committed offsets (Kafka Streams closes a corrupted task dirty and revives it).
    this.#hooks.emit({ type: 'error', taskId: task.id, message: `${message}; rewinding to the last commit`, fatal: false });
    await task.producer?.abort(message).catch(() => undefined);
    this.#dropTask(task, 'closed', message);
    await task.producer?.close();
    if (this.assignment?.active.includes(task.id)) this.#createTask(task.id);
  }

  taskOf(topic: string, partition: number): StreamTask | undefined {
    const subtopology = this.#subtopologyOfTopic.get(topic);
    return subtopology === undefined ? undefined : this.#tasks.get(taskId(subtopology, partition));
  }

  #tasksOfPartitions(partitions: readonly TopicPartition[]): StreamTask[] {
    const out = new Map<TaskId, StreamTask>();
    for (const tp of partitions) {
      const task = this.taskOf(tp.topic, tp.partition);
      if (task) out.set(task.id, task);
    }
    return sortTasks(out.keys()).map((id) => out.get(id)!);
  }

  tasksOfPartitionsIds(partitions: readonly TopicPartition[]): TaskId[] {
    const ids = new Set<TaskId>();
    for (const tp of partitions) {
      const sub = this.#subtopologyOfTopic.get(tp.topic);
      if (sub !== undefined) ids.add(taskId(sub, tp.partition));
    }
    return sortTasks(ids);
  }

  /** What this client reports in its subscription: -2 for running actives, else the stores' changelog offset sums. */
  taskOffsetSums(): Map<TaskId, number> {
    const sums = new Map<TaskId, number>();
    for (const task of this.#tasks.values()) {
      if (!task.state.stateful) continue;
      if (task.phase === 'running') sums.set(task.id, -2);
      else {
        const sum = task.state.offsetSum();
        if (sum !== null) sums.set(task.id, sum);
      }
    }
    for (const s of this.#standbys.values()) {
      const sum = s.state.offsetSum();
      if (sum !== null) sums.set(s.id, sum);
    }
    return sums;
  }

  // ---- producing and committing ----

  async flush(task: StreamTask): Promise<void> {
    const count = task.collector.size;
    if (count === 0) return;
    const batch = task.collector.drain();
    if (task.producer !== null) await task.producer.send(batch, count);
    else await this.#sharedProducer()!.send(batch, count);
    this.#metrics.recordsOut += count;
  }

  async #commitTask(task: StreamTask): Promise<TopicPartitionOffset[]> {
    await this.flush(task);
    const offsets = task.uncommitted();
    if (task.producer !== null) await task.producer.commit(this.#config.applicationId, offsets);
    else if (offsets.length > 0 && this.#config.processingGuarantee === 'at_least_once') await this.#member.commitOffsets(offsets);
    task.markCommitted(offsets);
    return offsets;
  }

  async commitAll(): Promise<void> {
    this.lastCommit = Date.now();
    if (this.closing) return;
    const running = this.tasks().filter((t) => t.phase === 'running');
    if (running.length === 0) return;
    const started = performance.now();
    const committed: TopicPartitionOffset[] = [];
    if (this.#config.processingGuarantee === 'exactly_once') {
      // Each task has its own transaction: commit them side by side.
      await Promise.all(
        running.map(async (task) => {
          try {
            committed.push(...(await this.#commitTask(task)));
          } catch (err) {
            await this.taskFailed(task, err, 'committing');
          }
        }),
      );
    } else {
      try {
        for (const task of running) await this.flush(task);
        const offsets = running.flatMap((t) => t.uncommitted());
        if (offsets.length > 0 && this.#config.processingGuarantee === 'at_least_once') await this.#member.commitOffsets(offsets);
        for (const task of running) task.markCommitted(offsets.filter((o) => task.sources.some((s) => s.topic === o.topic && s.partition === o.partition)));
        committed.push(...offsets);
      } catch (err) {
        // A commit the group refuses (the generation moved on) loses nothing: the records are
        // re-read by whoever owns them next (at-least-once). The member rejoins by itself.
        // Refused because a rebalance is under way (cooperative: every commit interval of it) is
        // routine, as Kafka Streams logs it: the next interval commits again.
        if (err instanceof KafkaResponseError && err.code === ErrorCode.REBALANCE_IN_PROGRESS) {
          this.#hooks.emit({ type: 'log', level: 'warn', message: `commit deferred: ${errorMessage(err)}` });
        } else {
          this.#hooks.emit({ type: 'error', message: `commit failed: ${errorMessage(err)}`, fatal: false });
        }
        return;
      }
    }
    if (committed.length === 0) return;
    const durationMs = performance.now() - started;
    this.#metrics.addCommit(durationMs);
    this.#hooks.emit({ type: 'commit', guarantee: this.#config.processingGuarantee, offsets: committed, durationMs });
  }

  async commitBeforeProcessing(topic: string, partition: number, next: number): Promise<void> {
    const started = performance.now();
    await this.#member.commitOffsets([{ topic, partition, offset: next }]);
    const durationMs = performance.now() - started;
    this.#metrics.addCommit(durationMs);
    this.#hooks.emit({ type: 'commit', guarantee: 'at_most_once', offsets: [{ topic, partition, offset: next }], durationMs });
  }
}

/** The group refused a commit because it moved on (Kafka Streams' TaskMigratedException). */
function isTaskMigrated(err: unknown): boolean {
  return err instanceof KafkaResponseError && (err.action === 'rejoin' || err.action === 'fenced');
}
