// The stream thread's tasks (Kafka Streams' TaskManager + TaskExecutor's commits): active tasks
// through created → restoring → running → suspended / closed / migrated, standby and warm-up
// tasks, what the group's rebalance callbacks do to them, and the commits. It runs on the
// thread's SerialQueue (the thread calls in from its queue); task initialisation (committed
// offsets, end offsets) runs outside the queue, so tasks that stay keep processing while new ones
// get ready. All tasks write through the thread's one StreamsProducer: under exactly_once_v2 one
// transaction holds every task's records and offsets, so a commit, an abort or a migration is
// always the whole thread's (Kafka Streams' TaskExecutor / handleLostAll / handleCorruption).
import { KafkaResponseError } from '../../client/errors.js';
import type { Fetcher } from '../../client/fetcher.js';
import type { GroupMember } from '../../client/group/group-member.js';
import { partitionKey } from '../../protocol/topic-partition.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { Topology } from '../topology/topology.js';
import type { StreamsConfig } from './config.js';
import { errorMessage } from './kafka-errors.js';
import type { ThreadMetrics } from './metrics.js';
import type { SerialQueue } from './serial-queue.js';
import { StandbyTask } from './standby-task.js';
import { ProcessorStateManager, TaskDirLockedError } from './state-manager.js';
import type { StateDirectory } from '../state/state-directory.js';
import { crashIfAsked } from './crash-points.js';
import type { StoreChangelogReader } from './store-changelog-reader.js';
import type { StreamsAssignment } from './streams-partition-assignor.js';
import { TaskMigratedError, type StreamsProducer, type TopicPartitionOffset } from './streams-producer.js';
import { TaskExecutor } from './task-executor.js';
import { StreamTask } from './stream-task.js';
import { parseTaskId, sortTasks, taskId } from './tasks.js';
import type { TaskId, TopicPartition } from './tasks.js';
import type { MigrationCause, RestoreSource, StreamsEventInput } from './telemetry.js';

/** How long a task whose state directory is still locked waits before it is created again. */
const LOCK_RETRY_MS = 500;

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
  fetcher: Fetcher;
  changelogReader: StoreChangelogReader;
  member: GroupMember;
  queue: SerialQueue;
  metrics: ThreadMetrics;
  /** The thread's producer (transactional under exactly_once_v2). */
  producer: StreamsProducer;
  /** state.dir/<application id>, where persistent stores and checkpoints live; null: in memory only. */
  stateDirectory: StateDirectory | null;
  /** Holds the task directories' locks. */
  threadName: string;
  hooks: TaskManagerHooks;
}

export class TaskManager {
  readonly #topology: Topology;
  readonly #config: StreamsConfig;
  readonly #fetcher: Fetcher;
  readonly #changelogReader: StoreChangelogReader;
  readonly #member: GroupMember;
  readonly #queue: SerialQueue;
  readonly #hooks: TaskManagerHooks;
  readonly #executor: TaskExecutor;
  readonly #stateDirectory: StateDirectory | null;
  readonly #threadName: string;
  readonly #tasks = new Map<TaskId, StreamTask>();
  readonly #standbys = new Map<TaskId, StandbyTask>();
  /** Source topics → the sub-topology whose tasks own their partitions. */
  readonly #subtopologyOfTopic = new Map<string, number>();
  /** Tasks that just (re)started or stayed through a rebalance: their pause ends at their next record. */
  readonly #pauseFrom = new Map<TaskId, { kind: 'kept' | 'assigned'; since: number }>();
  /** When this rebalance's callbacks began to hold the thread (processing stops while they run). */
  #callbacksSince: number | null = null;
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
    this.#fetcher = deps.fetcher;
    this.#changelogReader = deps.changelogReader;
    this.#member = deps.member;
    this.#queue = deps.queue;
    this.#hooks = deps.hooks;
    this.#executor = new TaskExecutor({ config: deps.config, producer: deps.producer, member: deps.member, metrics: deps.metrics, emit: (e) => deps.hooks.emit(e) });
    this.#stateDirectory = deps.stateDirectory;
    this.#threadName = deps.threadName;
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

  get #eos(): boolean {
    return this.#config.processingGuarantee === 'exactly_once_v2';
  }

  /** Graceful: commit every task and close it. Not graceful: drop their work uncommitted. */
  async closeAll(clean: boolean, reason: string): Promise<void> {
    const tasks = this.tasks();
    if (clean) await this.#closeClean(tasks, reason);
    else await this.#closeDirty(tasks, 'closed', reason);
    for (const standby of this.standbyTasks()) this.closeStandby(standby, reason);
  }

  /** A newly assigned task processed its first record here: how long since it was assigned. */
  notePause(task: StreamTask): void {
    const from = this.#pauseFrom.get(task.id);
    if (from === undefined || from.kind !== 'assigned') return;
    this.#emitPause(task.id);
  }

  /**
   * A task that stayed is processable again: its pause is the time it could not process — from
   * the start of the rebalance's callbacks (eager: its suspension before rejoining) until now —
   * not the wait for its next record, which depends on the traffic.
   */
  #emitPause(id: TaskId): void {
    const from = this.#pauseFrom.get(id);
    if (from === undefined) return;
    this.#pauseFrom.delete(id);
    const now = Date.now();
    this.#hooks.emit({ type: 'pause', taskId: id, kind: from.kind, firstProcessedAt: now, pauseMs: now - from.since });
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

  /**
   * Partitions given up cleanly: commit their tasks (under exactly_once_v2 the whole thread's
   * transaction, which holds them all), then suspend them (eager) or close them (cooperative).
   */
  async onRevoked(partitions: readonly TopicPartition[]): Promise<void> {
    this.#callbacksSince ??= Date.now();
    const revoked = this.#tasksOfPartitions(partitions);
    if (revoked.length === 0) return;
    if (this.#config.rebalanceProtocol === 'eager') {
      if (!(await this.#commit(revoked))) return;
      for (const task of revoked) this.#suspendTask(task, 'revoked before rejoining (eager)');
    } else {
      await this.#closeClean(revoked, 'revoked');
    }
  }

  /** The generation was lost: the tasks may run elsewhere already, so nothing of them is committed. */
  async onLost(partitions: readonly TopicPartition[]): Promise<void> {
    const lost = this.#tasksOfPartitions(partitions);
    if (lost.length > 0) await this.#closeDirty(lost, 'migrated', 'the group dropped this member (session timeout or fencing)', 'lost');
  }

  async onAssigned(_added: readonly TopicPartition[], _kept: readonly TopicPartition[]): Promise<void> {
    const since = this.#callbacksSince ?? Date.now();
    this.#callbacksSince = null;
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
        if (task.phase === 'suspended') this.#resumeTask(task, since);
        else if (task.phase === 'running') this.#pauseFrom.set(task.id, { kind: 'kept', since });
      } else if (task.phase === 'suspended') {
        this.#dropTask(task, 'closed', 'not assigned back after the rebalance', { clean: true });
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
    // Tasks that stayed running (cooperative) process again once the callbacks let go of the thread.
    for (const task of this.tasks()) if (task.phase === 'running' && this.#pauseFrom.get(task.id)?.kind === 'kept') this.#emitPause(task.id);
    this.#hooks.tasksChanged();
  }

  // ---- task lifecycle ----

  /** CREATED: the task exists; its offsets and restore are set up outside the queue. */
  #createTask(id: TaskId): void {
    const standby = this.#standbys.get(id);
    if (standby) {
      this.#standbys.delete(id);
      this.#changelogReader.unregister(id);
    }
    const state = standby?.state ?? this.#openState(id);
    if (state === null) return;
    const task = new StreamTask(id, this.#topology, state);
    this.#tasks.set(id, task);
    const source = restoreSourceOf(state, standby !== undefined);
    this.#hooks.emit({ type: 'task', taskId: id, role: 'active', phase: 'created', restoreSource: source, ...checkpointOf(state) });
    this.#pauseFrom.set(id, { kind: 'assigned', since: Date.now() });
    void this.#initTask(task, source);
  }

  /**
   * The task's state manager: persistent stores open in its directory with its checkpoint. Null
   * when the directory is still locked (a previous owner in this process has not let go yet): the
   * task is created again a moment later, as Kafka Streams retries a LockException.
   */
  #openState(id: TaskId): ProcessorStateManager | null {
    try {
      const state = new ProcessorStateManager(id, this.#topology, { stateDirectory: this.#stateDirectory, eos: this.#eos, owner: this.#threadName });
      if (state.opened.wiped !== null) this.#hooks.emit({ type: 'log', level: 'warn', message: `task ${id}: state wiped on open (${state.opened.wiped}); restoring it from the changelog` });
      if (state.opened.checkpoint === 'unreadable') this.#hooks.emit({ type: 'log', level: 'warn', message: `task ${id}: unreadable checkpoint (${state.opened.error}); restoring from the changelog` });
      return state;
    } catch (err) {
      if (!(err instanceof TaskDirLockedError)) throw err;
      this.#hooks.emit({ type: 'log', level: 'warn', message: `task ${id}: ${err.message}; retrying` });
      setTimeout(() => {
        void this.#queue.run(async () => {
          if (this.closing || this.#tasks.has(id) || this.#standbys.has(id)) return;
          if (this.assignment?.active.includes(id)) this.#createTask(id);
          else if (this.assignment?.standby.includes(id)) this.#createStandby(id, this.assignment.warmup.includes(id) ? 'warmup' : 'standby');
        });
      }, LOCK_RETRY_MS);
      return null;
    }
  }

  async #initTask(task: StreamTask, restoreSource: RestoreSource): Promise<void> {
    try {
      // exactly_once_v2: an earlier owner's open transaction may hold offsets for these
      // partitions; require_stable makes the coordinator answer UNSTABLE_OFFSET_COMMIT (retried)
      // until it commits or aborts — by its own hand or the transaction timeout.
      const committed = await this.#member.fetchOffsets(task.sources, {
        requireStable: this.#eos,
        onUnstable: (partitions) =>
          this.#hooks.emit({
            type: 'task',
            taskId: task.id,
            role: 'active',
            phase: 'created',
            unstableOffsets: partitions,
            reason: `waiting for the stable offset: a transaction holds offsets of ${partitions.map((p) => `${p.topic}-${p.partition}`).join(', ')} (UNSTABLE_OFFSET_COMMIT) until it commits, aborts or times out`,
          }),
      });
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
        // The loop may be long-polling the sources: let it turn to the changelogs now.
        this.#fetcher.wakeup();
        const r = this.#changelogReader.restoreOf(task.id);
        this.#hooks.emit({ type: 'task', taskId: task.id, role: 'active', phase: 'restoring', restored: 0, toRestore: r?.toRestore ?? 0, restoreSource });
      });
    } catch (err) {
      await this.#queue.run(() => this.taskFailed(task, err, 'initialising'));
    }
  }

  #startRunning(task: StreamTask): void {
    const r = this.#changelogReader.finishRestore(task.id);
    this.#hooks.emit({ type: 'task', taskId: task.id, role: 'active', phase: 'restored', restored: r.restored, toRestore: r.restored, durationMs: r.durationMs });
    // Kafka Streams checkpoints a restored task at once, except under exactly-once (only a clean close may).
    if (!this.#eos) task.state.checkpoint();
    task.phase = 'running';
    this.#fetcher.resume(task.sources);
    this.#hooks.emit({ type: 'task', taskId: task.id, role: 'active', phase: 'running' });
    // A suspended task given back (eager) is processable again.
    if (this.#pauseFrom.get(task.id)?.kind === 'kept') this.#emitPause(task.id);
    this.#hooks.tasksChanged();
  }

  #createStandby(id: TaskId, role: 'standby' | 'warmup'): void {
    if (!isStatefulTask(this.#topology, id)) return;
    const state = this.#openState(id);
    if (state === null) return;
    if (!state.stateful) {
      state.close({ clean: true });
      return;
    }
    const standby = new StandbyTask(id, state, role);
    this.#standbys.set(id, standby);
    this.#changelogReader.registerStandby(state);
    this.#hooks.emit({ type: 'task', taskId: id, role, phase: 'running' });
  }

  closeStandby(standby: StandbyTask, reason: string): void {
    this.#standbys.delete(standby.id);
    this.#changelogReader.unregister(standby.id);
    // A standby holds committed changelog data only: its checkpoint is good under exactly-once too.
    standby.state.close({ clean: true });
    this.#hooks.emit({ type: 'task', taskId: standby.id, role: standby.role, phase: 'closed', reason });
  }

  /** Eager revocation, after the commit: stop fetching, keep the state until the assignment says what follows. */
  #suspendTask(task: StreamTask, reason: string): void {
    if (task.phase !== 'running') this.#changelogReader.unregister(task.id);
    task.state.checkpoint();
    task.phase = 'suspended';
    this.#fetcher.unassign(task.sources);
    this.#hooks.emit({ type: 'task', taskId: task.id, role: 'active', phase: 'suspended', reason, lastProcessedAt: task.lastProcessedAt });
  }

  /** A suspended task given back: it carries on from its committed positions, state intact. */
  #resumeTask(task: StreamTask, pausedSince: number): void {
    task.phase = 'created';
    task.state.deleteCheckpointIfEos();
    this.#pauseFrom.set(task.id, { kind: 'kept', since: pausedSince });
    void this.#initTask(task, restoreSourceOf(task.state, false));
  }

  /** Clean close: commit what the tasks did, then close them. A failed commit has closed them dirty already. */
  async #closeClean(tasks: readonly StreamTask[], reason: string): Promise<void> {
    if (!(await this.#commit(tasks))) {
      this.#hooks.emit({ type: 'log', level: 'warn', message: `commit on close (${reason}) failed; the tasks were closed without it` });
    }
    for (const task of tasks) if (this.#tasks.get(task.id) === task) this.#dropTask(task, 'closed', reason, { clean: true });
  }

  /**
   * Nothing is committed. Under exactly_once_v2 the thread's open transaction holds every task's
   * work, so it is aborted, and tasks still running here lose their uncommitted work too: they are
   * closed and revived from their last commit (Kafka Streams' handleCorruption).
   */
  async #closeDirty(tasks: readonly StreamTask[], phase: 'closed' | 'migrated', reason: string, migration?: MigrationCause): Promise<void> {
    for (const task of tasks) this.#dropTask(task, phase, reason, { clean: false, migration });
    if (!this.#eos) return;
    await this.#executor.abortTransaction(reason);
    if (!this.closing) this.#revive(this.tasks().filter((t) => t.phase === 'running'), `the thread's transaction was aborted (${reason})`);
  }

  /** Closes tasks dirty and creates them again where the assignment still has them: state and positions from the last commit. */
  #revive(tasks: readonly StreamTask[], reason: string): void {
    for (const task of tasks) {
      this.#dropTask(task, 'closed', `${reason}; rewinding to the last commit`, { clean: false });
      if (this.assignment?.active.includes(task.id)) this.#createTask(task.id);
    }
  }

  #dropTask(task: StreamTask, phase: 'closed' | 'migrated', reason: string, { clean, migration }: { clean: boolean; migration?: MigrationCause }): void {
    if (this.#tasks.get(task.id) === task) this.#tasks.delete(task.id);
    this.#pauseFrom.delete(task.id);
    const wasSuspended = task.phase === 'suspended';
    task.phase = phase;
    task.collector.clear();
    this.#changelogReader.unregister(task.id);
    if (!wasSuspended) this.#fetcher.unassign(task.sources);
    // Clean: after a commit, so the stores are flushed and checkpointed. Dirty: nothing is
    // flushed, and under exactly-once the task's state on disk is wiped (its stores may hold
    // writes of an aborted transaction).
    const checkpoint = clean ? checkpointOf(task.state, true) : {};
    task.state.close({ clean });
    this.#hooks.emit({ type: 'task', taskId: task.id, role: 'active', phase, reason, lastProcessedAt: task.lastProcessedAt, ...checkpoint, ...(migration ? { migration } : {}) });
  }

  /**
   * A task failed outside a commit (processing, initialising). Migrated: the whole thread's tasks
   * go (TaskMigrated). Otherwise it is closed dirty and revived — under exactly_once_v2 with every
   * task of the aborted transaction.
   */
  async taskFailed(task: StreamTask, err: unknown, during: string): Promise<void> {
    const message = `${during} task ${task.id}: ${errorMessage(err)}`;
    if (err instanceof TaskMigratedError || isGroupMovedOn(err)) {
      await this.#onMigrated(err, message);
      return;
    }
    if (this.closing) {
      this.#dropTask(task, 'closed', message, { clean: false });
      return;
    }
    this.#hooks.emit({ type: 'error', taskId: task.id, message: `${message}; rewinding to the last commit`, fatal: false });
    if (this.#eos) {
      await this.#executor.abortTransaction(message);
      this.#revive(this.tasks().filter((t) => t === task || t.phase === 'running'), message);
    } else {
      this.#revive([task], message);
    }
  }

  /**
   * Kafka Streams' TaskMigratedException: another member owns the tasks now (the group moved on,
   * or the producer was fenced). Every active task is closed dirty, the transaction aborted (a
   * fenced producer replaced), and the member rejoins to learn what is its own.
   */
  async #onMigrated(err: unknown, message: string): Promise<void> {
    const migration: MigrationCause = err instanceof TaskMigratedError ? err.migration : 'generation';
    const tasks = this.tasks();
    this.#hooks.emit({ type: 'log', level: 'warn', message: `task migrated (${migration}): ${message}; closing ${tasks.length} task(s) and rejoining` });
    for (const task of tasks) this.#dropTask(task, 'migrated', message, { clean: false, migration });
    if (this.#eos) await this.#executor.abortTransaction(message);
    this.#member.requestRejoin(`tasks migrated (${migration})`);
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
    // State left on disk by tasks this thread no longer holds: the assignor gives them back here.
    for (const [id, sum] of this.#stateDirectory?.checkpointedOffsetSums([...this.#tasks.keys(), ...this.#standbys.keys()]) ?? []) {
      if (!sums.has(id)) sums.set(id, sum);
    }
    return sums;
  }

  // ---- committing ----

  /** Hands a task's collected records to the thread's producer. */
  flush(task: StreamTask): Promise<void> {
    return this.#executor.flush(task);
  }

  commitBeforeProcessing(topic: string, partition: number, next: number): Promise<void> {
    return this.#executor.commitBeforeProcessing(topic, partition, next);
  }

  async commitAll(): Promise<void> {
    this.lastCommit = Date.now();
    if (this.closing) return;
    const running = this.tasks().filter((t) => t.phase === 'running');
    if (running.length > 0) await this.#commit(running);
  }

  /**
   * Commits the tasks (under exactly_once_v2 every running task: they share the transaction),
   * then checkpoints as Kafka Streams does: at_least_once after every commit, so a restart
   * restores only what came after it; exactly_once_v2 not while running (the stores may already
   * hold the next transaction's writes). True when committed; on failure the tasks have been
   * handled (closed dirty, revived, or the commit deferred to the next interval).
   */
  async #commit(tasks: readonly StreamTask[]): Promise<boolean> {
    const included = this.#eos ? this.tasks().filter((t) => t.phase === 'running' || tasks.includes(t)) : tasks;
    const running = included.filter((t) => t.phase === 'running');
    let offsets: TopicPartitionOffset[];
    try {
      offsets = await this.#executor.commit(running);
    } catch (err) {
      await this.#commitFailed(running, err);
      return false;
    }
    if (offsets.length > 0) crashIfAsked(this.#config.crashAt, 'after-commit-before-checkpoint');
    if (!this.#eos) for (const task of running) if (task.state.stateful) task.state.checkpoint();
    for (const standby of this.#standbys.values()) standby.state.maybeCheckpoint(false);
    return true;
  }

  async #commitFailed(tasks: readonly StreamTask[], err: unknown): Promise<void> {
    if (err instanceof TaskMigratedError || (this.#eos && isGroupMovedOn(err))) {
      await this.#onMigrated(err, `commit: ${errorMessage(err)}`);
      return;
    }
    if (this.#eos) {
      // The transaction cannot commit (abortable error, timeout): abort it and rewind every task in it.
      this.#hooks.emit({ type: 'error', message: `commit failed: ${errorMessage(err)}; aborting and rewinding to the last commit`, fatal: false });
      await this.#executor.abortTransaction(errorMessage(err));
      if (!this.closing) this.#revive(this.tasks().filter((t) => t.phase === 'running'), `commit failed: ${errorMessage(err)}`);
      else for (const task of tasks) if (this.#tasks.get(task.id) === task) this.#dropTask(task, 'closed', `commit failed: ${errorMessage(err)}`, { clean: false });
      return;
    }
    // at_least_once: a commit the group refuses (the generation moved on) loses nothing: the
    // records are re-read by whoever owns them next, and the member rejoins by itself. Refused
    // because a rebalance is under way (cooperative: every commit interval of it) is routine, as
    // Kafka Streams logs it: the next interval commits again.
    if (err instanceof KafkaResponseError && err.code === ErrorCode.REBALANCE_IN_PROGRESS) {
      this.#hooks.emit({ type: 'log', level: 'warn', message: `commit deferred: ${errorMessage(err)}` });
    } else {
      this.#hooks.emit({ type: 'error', message: `commit failed: ${errorMessage(err)}`, fatal: false });
    }
  }
}

/** The group refused a request because it moved on without this member (Kafka Streams' TaskMigratedException). */
function isGroupMovedOn(err: unknown): boolean {
  return err instanceof KafkaResponseError && (err.action === 'rejoin' || err.action === 'fenced');
}

/** Only tasks with stores have state to keep as a standby. */
function isStatefulTask(topology: Topology, id: TaskId): boolean {
  const { subtopology } = parseTaskId(id);
  return (topology.subtopologies.find((s) => s.id === subtopology)?.stores.length ?? 0) > 0;
}

/** Where a new active task's state comes from: a standby's copy, its own checkpoint on disk, or the changelog from its start. */
function restoreSourceOf(state: ProcessorStateManager, fromStandby: boolean): RestoreSource {
  if (fromStandby) return 'standby';
  return state.opened.checkpoint === 'loaded' ? 'checkpoint' : 'changelog';
}

/** The changelog offsets the task's state reflects, for telemetry (when it has a checkpoint, or `always`). */
function checkpointOf(state: ProcessorStateManager, always = false): { checkpoint?: TopicPartitionOffset[] } {
  if (!state.stateful || (!always && state.opened.checkpoint !== 'loaded')) return {};
  return { checkpoint: state.changelogs.flatMap((tp) => {
    const offset = state.changelogOffset(tp.topic);
    return offset === null ? [] : [{ ...tp, offset }];
  }) };
}
