// The stream thread (Kafka Streams' StreamThread + TaskManager), on the project's own client:
// one group member for the source and repartition topics (cooperative by default, eager
// selectable, static when a group instance id is set), a fetcher for their partitions, a
// StoreChangelogReader that restores active tasks and keeps standby tasks current from the
// changelogs outside the group, and the producers. The poll loop reads changelogs and sources,
// processes, and commits; the group member's rebalance callbacks create, suspend, resume, close
// and promote tasks. Everything that touches tasks runs on one SerialQueue; task initialisation
// (producer fencing, committed offsets, end offsets) runs outside it, so tasks that stay keep
// processing while new ones get ready.
import { Kafka, logLevel } from 'kafkajs';
import type { Admin, KafkaConfig, LogEntry } from 'kafkajs';
import '../../kafkajs-fixes.js';
import { KafkaClient, type KafkaClientConfig } from '../../client/client.js';
import { KafkaResponseError } from '../../client/errors.js';
import { ErrorCode } from '../../protocol/errors.js';
import { Fetcher, type FetchedRecord } from '../../client/fetcher.js';
import { GroupMember } from '../../client/group/group-member.js';
import type { GroupMemberEvent } from '../../client/group/group-events.js';
import { partitionKey } from '../../client/assigned-partitions.js';
import type { InputRecord } from '../records.js';
import type { Topology } from '../topology/topology.js';
import type { StreamsConfig } from './config.js';
import { prepareTopics } from './internal-topics.js';
import { errorMessage, isFencedError } from './kafka-errors.js';
import { ThreadMetrics } from './metrics.js';
import { SerialQueue } from './serial-queue.js';
import { StandbyTask } from './standby-task.js';
import { ProcessorStateManager } from './state-manager.js';
import { StoreChangelogReader } from './store-changelog-reader.js';
import { StreamsPartitionAssignor, type StreamsAssignment } from './streams-partition-assignor.js';
import { SharedStreamsProducer, TransactionalStreamsProducer } from './streams-producer.js';
import type { TopicPartitionOffset } from './streams-producer.js';
import { StreamTask } from './stream-task.js';
import { sortTasks, taskId } from './tasks.js';
import type { TaskId, TopicPartition } from './tasks.js';
import type { StreamsEventInput, StreamsState } from './telemetry.js';

/** A task flushes its collected records once this many are waiting, even mid-batch. */
const MAX_BUFFERED_RECORDS = 2_000;
const METRICS_INTERVAL_MS = 1_000;
/** How long the loop waits on the changelogs while an active task restores. */
const RESTORE_POLL_MS = 100;

export interface StreamThreadHooks {
  emit(event: StreamsEventInput): void;
  setState(to: StreamsState, reason: string): void;
  /** A fatal error: the thread has stopped and the instance cannot go on. */
  fail(err: unknown): void;
}

export interface CloseOptions {
  /** Kafka Streams' CloseOptions.leaveGroup: false (the default) remains in the group until the session times out. */
  leaveGroup?: boolean;
}

export class StreamThread {
  readonly #topology: Topology;
  readonly #config: StreamsConfig;
  readonly #hooks: StreamThreadHooks;
  readonly #kafkaConfig: KafkaConfig;
  readonly #kafka: Kafka;
  readonly #client: KafkaClient;
  readonly #fetcher: Fetcher;
  readonly #changelogReader: StoreChangelogReader;
  readonly #member: GroupMember;
  readonly #assignor: StreamsPartitionAssignor;
  readonly #queue = new SerialQueue();
  readonly #tasks = new Map<TaskId, StreamTask>();
  readonly #standbys = new Map<TaskId, StandbyTask>();
  readonly #metrics = new ThreadMetrics();
  /** Source topics → the sub-topology whose tasks own their partitions. */
  readonly #subtopologyOfTopic = new Map<string, number>();
  #admin: Admin | null = null;
  #shared: SharedStreamsProducer | null = null;
  #assignment: StreamsAssignment | null = null;
  #loop: Promise<void> | null = null;
  #commitTimer: NodeJS.Timeout | null = null;
  #metricsTimer: NodeJS.Timeout | null = null;
  #probingTimer: NodeJS.Timeout | null = null;
  #lastCommit = Date.now();
  #stopping = false;
  #failed = false;
  /** Tasks that just (re)started or stayed through a rebalance: their pause ends at their next record. */
  readonly #pauseFrom = new Map<TaskId, { kind: 'kept' | 'assigned'; since: number }>();
  #joinReason = 'joining the group';
  /** Between a join starting and its rebalance completing with no follow-up round pending. */
  #rebalancing = true;
  /** Tasks whose partitions the join that is under way reported lost (the generation was gone). */
  #joinLost: TaskId[] = [];
  /**
   * Eager: the suspended tasks the last assignment gave back (kept) or not (revoked). The group
   * member reports neither, since eager gives every partition up before joining.
   */
  #suspendedOutcome: { kept: TaskId[]; revoked: TaskId[] } = { kept: [], revoked: [] };

  constructor(topology: Topology, config: StreamsConfig, hooks: StreamThreadHooks) {
    this.#topology = topology;
    this.#config = config;
    this.#hooks = hooks;
    for (const sub of topology.subtopologies) for (const topic of sub.sourceTopics) this.#subtopologyOfTopic.set(topic, sub.id);
    this.#kafkaConfig = { ...config.kafka, brokers: config.bootstrapServers, clientId: config.clientId };
    this.#kafka = new Kafka({
      ...this.#kafkaConfig,
      logLevel: logLevel.WARN,
      logCreator: () => (entry: LogEntry) => {
        if (this.#stopping) return;
        this.#hooks.emit({ type: 'log', ...describeLog(entry) });
      },
    });
    this.#client = new KafkaClient(clientConfig(config));
    const isolationLevel = this.guarantee === 'exactly_once' ? 'read_committed' : 'read_uncommitted';
    // Kafka Streams' consumers: auto.offset.reset=earliest for sources; the restore consumer seeks itself.
    this.#fetcher = new Fetcher(this.#client, { isolationLevel, autoOffsetReset: 'earliest', maxWaitMs: config.fetchMaxWaitMs });
    this.#changelogReader = new StoreChangelogReader(this.#client, new Fetcher(this.#client, { isolationLevel, autoOffsetReset: 'earliest', maxWaitMs: config.fetchMaxWaitMs }));
    this.#assignor = new StreamsPartitionAssignor({
      topology,
      config,
      client: this.#client,
      taskOffsetSums: () => this.#taskOffsetSums(),
      onAssignment: (a) => {
        this.#assignment = a;
      },
    });
    this.#member = new GroupMember(this.#client, {
      groupId: config.applicationId,
      topics: [...new Set(topology.sourceTopics())],
      assignor: this.#assignor,
      rebalanceProtocol: config.rebalanceProtocol,
      groupInstanceId: config.groupInstanceId,
      sessionTimeoutMs: config.sessionTimeoutMs,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      rebalanceTimeoutMs: config.maxPollIntervalMs,
      listener: {
        onPartitionsRevoked: (partitions) => this.#queue.run(() => this.#onRevoked(partitions)),
        onPartitionsAssigned: (added, kept) => this.#queue.run(() => this.#onAssigned(added, kept)),
        onPartitionsLost: (partitions) => this.#queue.run(() => this.#onLost(partitions)),
      },
      onEvent: (e) => this.#onGroupEvent(e),
    });
  }

  get guarantee(): StreamsConfig['processingGuarantee'] {
    return this.#config.processingGuarantee;
  }

  /** Active tasks this thread holds now, for stores and telemetry. */
  tasks(): StreamTask[] {
    return sortTasks(this.#tasks.keys()).map((id) => this.#tasks.get(id)!);
  }

  standbyTasks(): StandbyTask[] {
    return sortTasks(this.#standbys.keys()).map((id) => this.#standbys.get(id)!);
  }

  async start(): Promise<void> {
    const admin = this.#kafka.admin();
    this.#admin = admin;
    await admin.connect();
    await prepareTopics(admin, this.#topology, this.#config.replicationFactor);
    if (this.guarantee !== 'exactly_once') {
      this.#shared = new SharedStreamsProducer(this.#kafka);
      await this.#shared.init();
    }
    this.#hooks.setState('REBALANCING', 'joining the group');
    this.#member.start().catch(() => undefined); // failures arrive as group.member.failed
    this.#loop = this.#runLoop();
    const tick = Math.max(10, Math.min(this.#config.commitIntervalMs / 2, 1000));
    this.#commitTimer = setInterval(() => {
      if (Date.now() - this.#lastCommit >= this.#config.commitIntervalMs) void this.#queue.run(() => this.#commitAll());
    }, tick);
    this.#metricsTimer = setInterval(() => this.#emitMetrics(), METRICS_INTERVAL_MS);
  }

  /** Graceful stop: commit (or abort) every task's work, then leave the group or remain in it. */
  async stop(opts: CloseOptions = {}): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#clearTimers();
    await this.#queue.run(async () => {
      for (const task of this.tasks()) await this.#closeTask(task, 'shutdown');
      for (const standby of this.standbyTasks()) this.#closeStandby(standby, 'shutdown');
    });
    this.#fetcher.close();
    this.#changelogReader.close();
    await this.#loop?.catch(() => undefined);
    // The tasks are closed already, so leaving calls back nothing that still holds work.
    await this.#member.close({ leaveGroup: opts.leaveGroup ?? false }).catch(() => undefined);
    this.#client.close();
    await this.#shared?.close();
    await this.#admin?.disconnect().catch(() => undefined);
  }

  /** Release clients after a fatal error, without committing anything. */
  async abandon(): Promise<void> {
    this.#stopping = true;
    this.#clearTimers();
    await this.#queue.run(async () => {
      for (const task of this.tasks()) await this.#closeDirty(task, 'closed', 'instance failed');
      for (const standby of this.standbyTasks()) this.#closeStandby(standby, 'instance failed');
    });
    this.#fetcher.close();
    this.#changelogReader.close();
    await this.#loop?.catch(() => undefined);
    await this.#member.close({ leaveGroup: false }).catch(() => undefined);
    this.#client.close();
    await this.#shared?.close();
    await this.#admin?.disconnect().catch(() => undefined);
  }

  // ---- the poll loop ----

  async #runLoop(): Promise<void> {
    while (!this.#stopping && !this.#failed) {
      try {
        if (this.#changelogReader.restoring) {
          const changelogs = await this.#changelogReader.poll(RESTORE_POLL_MS);
          await this.#queue.run(() => this.#onChangelogs(changelogs));
          const sources = await this.#fetcher.poll(0);
          await this.#queue.run(() => this.#process(sources.batches, sources.errors));
        } else {
          if (!this.#changelogReader.idle) {
            const changelogs = await this.#changelogReader.poll(0);
            await this.#queue.run(() => this.#onChangelogs(changelogs));
          }
          const sources = await this.#fetcher.poll(this.#config.fetchMaxWaitMs);
          await this.#queue.run(() => this.#process(sources.batches, sources.errors));
        }
      } catch (err) {
        if (this.#stopping) return;
        this.#hooks.emit({ type: 'error', message: `poll loop: ${errorMessage(err)}`, fatal: false });
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async #process(batches: Array<TopicPartition & { records: FetchedRecord[] }>, errors: Array<TopicPartition & { error: Error }>): Promise<void> {
    for (const e of errors) this.#hooks.emit({ type: 'error', message: `reading ${e.topic}-${e.partition}: ${e.error.message}`, fatal: false });
    for (const batch of batches) {
      if (this.#stopping || this.#failed) return;
      const task = this.#taskOf(batch.topic, batch.partition);
      if (task === undefined || task.phase !== 'running' || batch.records.length === 0) continue;
      try {
        if (this.guarantee === 'at_most_once') await this.#commitBeforeProcessing(batch.topic, batch.partition, batch.records[batch.records.length - 1]!.offset + 1);
        for (const record of batch.records) {
          if (this.#stopping || task.phase !== 'running') break;
          const delay = this.#config.recordDelayMs();
          if (delay > 0) await new Promise((r) => setTimeout(r, delay));
          const t0 = process.hrtime.bigint();
          if (task.process(toInputRecord(batch.topic, batch.partition, record))) {
            this.#metrics.addProcess(process.hrtime.bigint() - t0);
            this.#metrics.recordsIn++;
            this.#notePause(task);
          }
          if (task.collector.size >= MAX_BUFFERED_RECORDS) await this.#flush(task);
        }
        await this.#flush(task);
      } catch (err) {
        if (isProcessingFailure(err)) {
          this.#fatal(err);
          return;
        }
        await this.#taskFailed(task, err, 'processing');
      }
    }
    if (Date.now() - this.#lastCommit >= this.#config.commitIntervalMs) await this.#commitAll();
  }

  #notePause(task: StreamTask): void {
    const from = this.#pauseFrom.get(task.id);
    if (from === undefined) return;
    this.#pauseFrom.delete(task.id);
    const now = Date.now();
    this.#hooks.emit({ type: 'pause', taskId: task.id, kind: from.kind, firstProcessedAt: now, pauseMs: now - from.since });
  }

  async #onChangelogs(poll: Awaited<ReturnType<StoreChangelogReader['poll']>>): Promise<void> {
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
  async #onRevoked(partitions: readonly TopicPartition[]): Promise<void> {
    const revoked = this.#tasksOfPartitions(partitions);
    for (const task of revoked) {
      if (this.#config.rebalanceProtocol === 'eager') await this.#suspendTask(task, 'revoked before rejoining (eager)');
      else await this.#closeTask(task, 'revoked');
    }
  }

  /** The generation was lost: the tasks may run elsewhere already, so nothing of them is committed. */
  async #onLost(partitions: readonly TopicPartition[]): Promise<void> {
    for (const task of this.#tasksOfPartitions(partitions)) await this.#closeDirty(task, 'migrated', 'the group dropped this member (session timeout or fencing)');
  }

  async #onAssigned(_added: readonly TopicPartition[], _kept: readonly TopicPartition[]): Promise<void> {
    const assignment = this.#assignment;
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
    for (const s of this.standbyTasks()) if (!standby.has(s.id) && !active.has(s.id)) this.#closeStandby(s, 'no longer assigned here');
    for (const id of assignment.active) if (!this.#tasks.has(id)) this.#createTask(id);
    for (const id of assignment.standby) {
      const role = assignment.warmup.includes(id) ? 'warmup' : 'standby';
      const existing = this.#standbys.get(id);
      if (existing) existing.role = role;
      else if (!this.#tasks.has(id)) this.#createStandby(id, role);
    }
    this.#scheduleProbingRebalance(assignment.nextProbingRebalanceAt);
    this.#updateState();
  }

  #onGroupEvent(e: GroupMemberEvent): void {
    if (this.#stopping) return;
    if (e.type === 'group.join.started') {
      this.#joinReason = e.reason;
      this.#joinLost = this.#tasksOfPartitionsIds(e.lost);
      this.#rebalancing = true;
      this.#hooks.setState('REBALANCING', `rebalance: ${e.reason}`);
    } else if (e.type === 'group.rebalance.completed') {
      this.#rebalancing = e.followUp;
      void this.#queue.run(async () => this.#updateState());
      const a = this.#assignment;
      const assigned = a?.generationId === e.generationId ? a.active : this.#tasksOfPartitionsIds(e.assigned);
      const eager = e.rebalanceProtocol === 'eager';
      const revoked = eager ? this.#suspendedOutcome.revoked : this.#tasksOfPartitionsIds(e.revoked);
      const kept = eager ? this.#suspendedOutcome.kept : this.#tasksOfPartitionsIds(e.kept);
      this.#suspendedOutcome = { kept: [], revoked: [] };
      this.#hooks.emit({
        type: 'rebalance',
        generation: e.generationId,
        memberId: e.memberId,
        leaderId: e.leaderId,
        isLeader: e.isLeader,
        assigned: sortTasks(assigned),
        revoked,
        kept,
        durationMs: e.totalMs,
        protocol: e.rebalanceProtocol,
        reason: this.#joinReason,
        round: rebalanceRound(this.#joinReason, e.followUp),
        lost: this.#joinLost,
        standby: a ? sortTasks(a.standby.filter((id) => !a.warmup.includes(id))) : [],
        warmup: a ? sortTasks(a.warmup) : [],
        followUp: e.followUp,
      });
    } else if (e.type === 'group.rebalance.failed') {
      this.#hooks.emit({ type: 'log', level: e.willRetry ? 'warn' : 'error', message: `rebalance (${e.reason}) failed: ${e.error}${e.willRetry ? '; retrying' : ''}` });
    } else if (e.type === 'group.member.failed') {
      this.#fatal(new Error(`the group member failed: ${e.error}`));
    }
  }

  #scheduleProbingRebalance(at: number | null): void {
    if (this.#probingTimer !== null) clearTimeout(this.#probingTimer);
    this.#probingTimer = null;
    if (at === null || this.#stopping) return;
    this.#probingTimer = setTimeout(() => this.#member.requestRejoin('probing rebalance'), Math.max(0, at - Date.now()));
  }

  /** REBALANCING until every active task is restored and running (Kafka Streams' rule), then RUNNING. */
  #updateState(): void {
    if (this.#stopping || this.#failed) return;
    const waiting = this.tasks().filter((t) => t.phase !== 'running');
    if (waiting.length === 0 && !this.#rebalancing) this.#hooks.setState('RUNNING', 'every active task is running');
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
      if (this.guarantee === 'exactly_once' && task.producer === null) {
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
      const committed = await this.#member.fetchOffsets(task.sources, { requireStable: this.guarantee === 'exactly_once' });
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
      await this.#queue.run(() => this.#taskFailed(task, err, 'initialising'));
    }
  }

  #startRunning(task: StreamTask): void {
    const r = this.#changelogReader.finishRestore(task.id);
    this.#hooks.emit({ type: 'task', taskId: task.id, role: 'active', phase: 'restored', restored: r.restored, toRestore: r.restored, durationMs: r.durationMs });
    task.phase = 'running';
    this.#fetcher.resume(task.sources);
    this.#hooks.emit({ type: 'task', taskId: task.id, role: 'active', phase: 'running' });
    this.#updateState();
  }

  #createStandby(id: TaskId, role: 'standby' | 'warmup'): void {
    const state = new ProcessorStateManager(id, this.#topology);
    if (!state.stateful) return;
    const standby = new StandbyTask(id, state, role);
    this.#standbys.set(id, standby);
    this.#changelogReader.registerStandby(state);
    this.#hooks.emit({ type: 'task', taskId: id, role, phase: 'running' });
  }

  #closeStandby(standby: StandbyTask, reason: string): void {
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
        await this.#taskFailed(task, err, 'committing on suspend');
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
  async #closeTask(task: StreamTask, reason: string): Promise<void> {
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
  async #closeDirty(task: StreamTask, phase: 'closed' | 'migrated', reason: string): Promise<void> {
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

  async #taskFailed(task: StreamTask, err: unknown, during: string): Promise<void> {
    const message = `${during} task ${task.id}: ${errorMessage(err)}`;
    if (isFencedError(err) || isTaskMigrated(err)) {
      // Another instance owns the task now: close it dirty; the group tells us what is ours.
      task.producer?.fenced(errorMessage(err));
      this.#dropTask(task, 'migrated', message);
      await task.producer?.close();
      this.#member.requestRejoin(`task ${task.id} migrated`);
      return;
    }
    if (this.#stopping) {
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
    if (this.#assignment?.active.includes(task.id)) this.#createTask(task.id);
  }

  #taskOf(topic: string, partition: number): StreamTask | undefined {
    const subtopology = this.#subtopologyOfTopic.get(topic);
    return subtopology === undefined ? undefined : this.#tasks.get(taskId(subtopology, partition));
  }

  #tasksOfPartitions(partitions: readonly TopicPartition[]): StreamTask[] {
    const out = new Map<TaskId, StreamTask>();
    for (const tp of partitions) {
      const task = this.#taskOf(tp.topic, tp.partition);
      if (task) out.set(task.id, task);
    }
    return sortTasks(out.keys()).map((id) => out.get(id)!);
  }

  #tasksOfPartitionsIds(partitions: readonly TopicPartition[]): TaskId[] {
    const ids = new Set<TaskId>();
    for (const tp of partitions) {
      const sub = this.#subtopologyOfTopic.get(tp.topic);
      if (sub !== undefined) ids.add(taskId(sub, tp.partition));
    }
    return sortTasks(ids);
  }

  /** What this client reports in its subscription: -2 for running actives, else the stores' changelog offset sums. */
  #taskOffsetSums(): Map<TaskId, number> {
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

  async #flush(task: StreamTask): Promise<void> {
    const count = task.collector.size;
    if (count === 0) return;
    const batch = task.collector.drain();
    if (task.producer !== null) await task.producer.send(batch, count);
    else await this.#shared!.send(batch, count);
    this.#metrics.recordsOut += count;
  }

  async #commitTask(task: StreamTask): Promise<TopicPartitionOffset[]> {
    await this.#flush(task);
    const offsets = task.uncommitted();
    if (task.producer !== null) await task.producer.commit(this.#config.applicationId, offsets);
    else if (offsets.length > 0 && this.guarantee === 'at_least_once') await this.#member.commitOffsets(offsets);
    task.markCommitted(offsets);
    return offsets;
  }

  async #commitAll(): Promise<void> {
    this.#lastCommit = Date.now();
    if (this.#failed || this.#stopping) return;
    const running = this.tasks().filter((t) => t.phase === 'running');
    if (running.length === 0) return;
    const started = performance.now();
    const committed: TopicPartitionOffset[] = [];
    if (this.guarantee === 'exactly_once') {
      // Each task has its own transaction: commit them side by side.
      await Promise.all(
        running.map(async (task) => {
          try {
            committed.push(...(await this.#commitTask(task)));
          } catch (err) {
            await this.#taskFailed(task, err, 'committing');
          }
        }),
      );
    } else {
      try {
        for (const task of running) await this.#flush(task);
        const offsets = running.flatMap((t) => t.uncommitted());
        if (offsets.length > 0 && this.guarantee === 'at_least_once') await this.#member.commitOffsets(offsets);
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
    this.#hooks.emit({ type: 'commit', guarantee: this.guarantee, offsets: committed, durationMs });
  }

  async #commitBeforeProcessing(topic: string, partition: number, next: number): Promise<void> {
    const started = performance.now();
    await this.#member.commitOffsets([{ topic, partition, offset: next }]);
    const durationMs = performance.now() - started;
    this.#metrics.addCommit(durationMs);
    this.#hooks.emit({ type: 'commit', guarantee: 'at_most_once', offsets: [{ topic, partition, offset: next }], durationMs });
  }

  // ---- failure and metrics ----

  #fatal(err: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#clearTimers();
    this.#hooks.fail(err);
  }

  #clearTimers(): void {
    if (this.#commitTimer !== null) clearInterval(this.#commitTimer);
    if (this.#metricsTimer !== null) clearInterval(this.#metricsTimer);
    if (this.#probingTimer !== null) clearTimeout(this.#probingTimer);
    this.#commitTimer = this.#metricsTimer = this.#probingTimer = null;
  }

  #emitMetrics(): void {
    this.#hooks.emit({
      type: 'metrics',
      ...this.#metrics.snapshot(),
      tasks: [
        ...this.tasks().map((t) => ({ taskId: t.id, phase: t.phase, processed: t.processed, positions: t.positions(), role: 'active' as const })),
        ...this.standbyTasks().map((s) => ({ taskId: s.id, phase: 'running' as const, processed: 0, positions: [], role: s.role, changelogLag: this.#changelogReader.standbyLag(s.id) })),
      ],
    });
  }
}

function clientConfig(config: StreamsConfig): KafkaClientConfig {
  const sasl = config.kafka.sasl as { mechanism?: string; username?: string; password?: string } | undefined;
  const mechanism = sasl?.mechanism;
  if (sasl && !isSaslMechanism(mechanism)) {
    throw new Error(`SASL mechanism ${String(mechanism)} is not supported by the runtime's client (plain, scram-sha-256, scram-sha-512)`);
  }
  return {
    bootstrapServers: config.bootstrapServers,
    clientId: config.clientId,
    ...(config.kafka.ssl ? { ssl: config.kafka.ssl as boolean } : {}),
    ...(sasl && isSaslMechanism(mechanism) ? { sasl: { mechanism, username: sasl.username ?? '', password: sasl.password ?? '' } } : {}),
  };
}

/**
 * What a round was for: it gave partitions up and a follow-up round will hand them over
 * (cooperative 'revoke'), it moved warm-ups that caught up ('probing'), or it assigned.
 */
function rebalanceRound(reason: string, followUp: boolean): 'revoke' | 'probing' | 'assign' {
  if (followUp) return 'revoke';
  return /probing/i.test(reason) ? 'probing' : 'assign';
}

function isSaslMechanism(m: string | undefined): m is 'plain' | 'scram-sha-256' | 'scram-sha-512' {
  return m === 'plain' || m === 'scram-sha-256' || m === 'scram-sha-512';
}

function toInputRecord(topic: string, partition: number, r: FetchedRecord): InputRecord {
  const headers: Record<string, Buffer | undefined> = {};
  for (const h of r.headers) headers[h.key] = h.value ?? undefined;
  return { topic, partition, offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value, headers };
}

/** The group refused a commit because it moved on (Kafka Streams' TaskMigratedException). */
function isTaskMigrated(err: unknown): boolean {
  return err instanceof KafkaResponseError && (err.action === 'rejoin' || err.action === 'fenced');
}

/**
 * kafkajs's log line with its error detail (the producers and admin still run on kafkajs).
 * Error responses during a rebalance are routine, so they are warnings, not errors.
 */
function describeLog(entry: LogEntry): { level: 'error' | 'warn'; message: string } {
  const log = entry.log as { message?: string; error?: unknown };
  const detail = typeof log.error === 'string' ? log.error : log.error instanceof Error ? log.error.message : '';
  const text = [entry.namespace, log.message, detail].filter((part) => typeof part === 'string' && part.length > 0).join(': ');
  const routine = /rebalanc|rejoin/i.test(detail) || /rebalanc|re-joining/i.test(log.message ?? '');
  return { level: entry.level === logLevel.ERROR && !routine ? 'error' : 'warn', message: text };
}

/** User code threw (or a serde failed): Kafka Streams' default handler stops the instance. */
function isProcessingFailure(err: unknown): boolean {
  return err instanceof Error && (err.name === 'ProcessingError' || err.name === 'SerializationError');
}

export type { TopicPartition };
