// The poll loop: one kafkajs consumer in the application's group, the tasks its assignment
// implies, and the commits. kafkajs has no revocation callback and resets positions to the
// committed offsets on every rejoin, so the thread owns positions itself: on each join it pauses
// new tasks' partitions until they are initialised and restored, and seeks kept tasks back to
// where they were. Everything that touches tasks runs on one SerialQueue.
import { AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import type { Admin, Consumer, EachBatchPayload, KafkaConfig, KafkaMessage, LogEntry } from 'kafkajs';
import '../../kafkajs-fixes.js';
import type { InputRecord } from '../records.js';
import type { Topology } from '../topology/topology.js';
import { streamsAssignor } from './assignor.js';
import type { StreamsConfig } from './config.js';
import { prepareTopics } from './internal-topics.js';
import { errorMessage, isFencedError, isRebalanceError } from './kafka-errors.js';
import { ThreadMetrics } from './metrics.js';
import { SerialQueue } from './serial-queue.js';
import { SharedStreamsProducer, TransactionalStreamsProducer } from './streams-producer.js';
import type { TopicPartitionOffset } from './streams-producer.js';
import { StreamTask } from './stream-task.js';
import { byTopic, changelogTopics, sortTasks, taskId, taskPartitions, tasksOfAssignment } from './tasks.js';
import type { TaskId, TopicPartition } from './tasks.js';
import type { StreamsEventInput, StreamsState } from './telemetry.js';

/** A task flushes its collected records once this many are waiting, even mid-batch. */
const MAX_BUFFERED_RECORDS = 2_000;
const METRICS_INTERVAL_MS = 1_000;

export interface StreamThreadHooks {
  emit(event: StreamsEventInput): void;
  setState(to: StreamsState, reason: string): void;
  /** A fatal error: the thread has stopped and the instance cannot go on. */
  fail(err: unknown): void;
}

export class StreamThread {
  readonly #topology: Topology;
  readonly #config: StreamsConfig;
  readonly #hooks: StreamThreadHooks;
  readonly #kafkaConfig: KafkaConfig;
  readonly #kafka: Kafka;
  readonly #queue = new SerialQueue();
  readonly #tasks = new Map<TaskId, StreamTask>();
  readonly #metrics = new ThreadMetrics();
  readonly #changelogTopics: Set<string>;
  /** Source and changelog topics → the sub-topology whose tasks own their partitions. */
  readonly #subtopologyOfTopic = new Map<string, number>();
  #admin: Admin | null = null;
  #consumer: Consumer | null = null;
  #shared: SharedStreamsProducer | null = null;
  #commitTimer: NodeJS.Timeout | null = null;
  #metricsTimer: NodeJS.Timeout | null = null;
  #lastCommit = Date.now();
  #stopping = false;
  #failed = false;
  #memberId = '';
  #generation: number | null = null;
  /** Tasks in the latest assignment: a migrated task is re-created only if it is still ours. */
  #assigned = new Set<TaskId>();
  #pendingRebalance: { event: Extract<StreamsEventInput, { type: 'rebalance' }>; timer: NodeJS.Timeout } | null = null;
  #ownershipTimer: NodeJS.Timeout | null = null;

  constructor(topology: Topology, config: StreamsConfig, hooks: StreamThreadHooks) {
    this.#topology = topology;
    this.#config = config;
    this.#hooks = hooks;
    this.#changelogTopics = new Set(topology.subtopologies.flatMap((s) => changelogTopics(topology, s.id)));
    for (const sub of topology.subtopologies) {
      for (const topic of [...sub.sourceTopics, ...changelogTopics(topology, sub.id)]) this.#subtopologyOfTopic.set(topic, sub.id);
    }
    this.#kafkaConfig = {
      ...config.kafka,
      brokers: config.bootstrapServers,
      clientId: config.clientId,
    };
    this.#kafka = new Kafka({
      ...this.#kafkaConfig,
      logLevel: logLevel.WARN,
      logCreator: () => (entry: LogEntry) => {
        if (this.#stopping) return;
        this.#hooks.emit({ type: 'log', ...describeLog(entry) });
      },
    });
  }

  get guarantee(): StreamsConfig['processingGuarantee'] {
    return this.#config.processingGuarantee;
  }

  /** Tasks this thread holds now, for stores and the assignor's stickiness. */
  tasks(): StreamTask[] {
    return sortTasks(this.#tasks.keys()).map((id) => this.#tasks.get(id)!);
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
    const consumer = this.#kafka.consumer({
      groupId: this.#config.applicationId,
      partitionAssigners: [streamsAssignor(this.#topology, () => [...this.#tasks.keys()])],
      sessionTimeout: this.#config.sessionTimeoutMs,
      rebalanceTimeout: Math.max(this.#config.sessionTimeoutMs, 30_000),
      heartbeatInterval: this.#config.heartbeatIntervalMs,
      maxWaitTimeInMs: this.#config.fetchMaxWaitMs,
      readUncommitted: this.guarantee !== 'exactly_once',
      allowAutoTopicCreation: false,
    });
    this.#consumer = consumer;
    consumer.on(consumer.events.REBALANCING, () => {
      this.#hooks.setState('REBALANCING', 'the group is rebalancing');
      // Eager rebalancing revokes everything: commit now, while kafkajs rejoins, so a task that
      // moves is handed over committed instead of being fenced mid-transaction by its new owner
      // (Kafka Streams commits in onPartitionsRevoked; kafkajs has no such callback, and no
      // batch runs between this event and the join).
      void this.#queue.run(() => this.#commitAll());
    });
    consumer.on(consumer.events.GROUP_JOIN, (e) => this.#onJoin(e.payload));
    consumer.on(consumer.events.HEARTBEAT, (e) => this.#onGeneration(e.payload.groupGenerationId));
    consumer.on(consumer.events.START_BATCH_PROCESS, (e) => {
      // Batches of only markers or aborted records never reach eachBatch; restore must still move.
      if (e.payload.batchSize === 0) this.#onFilteredBatch(e.payload.topic, e.payload.partition, Number(e.payload.lastOffset) + 1);
    });
    consumer.on(consumer.events.CRASH, (e) => {
      if (this.#stopping) return;
      const { error, restart } = e.payload;
      this.#hooks.emit({ type: 'error', message: `consumer crashed: ${errorMessage(error)}${restart ? ' (restarting)' : ''}`, fatal: !restart });
      if (!restart) this.#fatal(error);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...new Set([...this.#topology.sourceTopics(), ...this.#changelogTopics])], fromBeginning: true });
    this.#hooks.setState('REBALANCING', 'joining the group');
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.#queue.run(() => this.#onBatch(payload)),
    });
    const tick = Math.max(10, Math.min(this.#config.commitIntervalMs / 2, 1000));
    this.#commitTimer = setInterval(() => {
      if (Date.now() - this.#lastCommit >= this.#config.commitIntervalMs) void this.#queue.run(() => this.#commitAll());
    }, tick);
    this.#metricsTimer = setInterval(() => this.#emitMetrics(), METRICS_INTERVAL_MS);
  }

  /** Graceful stop: commit (or abort) every task's work, leave the group, close clients. */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#clearTimers();
    await this.#queue.run(async () => {
      for (const task of this.tasks()) await this.#closeTask(task, 'shutdown');
    });
    // disconnect() stops the fetch loop and sends LeaveGroup, so the group rebalances at once.
    await this.#consumer?.disconnect().catch(() => undefined);
    await this.#shared?.close();
    await this.#admin?.disconnect().catch(() => undefined);
  }

  // ---- rebalance ----

  #onJoin(payload: { memberId: string; leaderId: string; isLeader: boolean; memberAssignment: Record<string, number[]>; duration: number }): void {
    const assigned = tasksOfAssignment(this.#topology, payload.memberAssignment);
    this.#assigned = new Set(assigned);
    // A new member id means the group dropped us (session expired, e.g. while frozen): others
    // may have run our tasks since, so every task is lost — closed dirty and rebuilt from the
    // changelog, never continued from stale state (Kafka Streams' handleLostAll).
    const lostAll = this.#memberId !== '' && payload.memberId !== this.#memberId;
    this.#memberId = payload.memberId;
    const lost = lostAll ? [...this.#tasks.keys()] : [];
    const revoked = [...this.#tasks.keys()].filter((id) => !this.#assigned.has(id) && !lost.includes(id));
    const kept = assigned.filter((id) => this.#tasks.has(id) && !lost.includes(id));
    const added = assigned.filter((id) => !this.#tasks.has(id) || lost.includes(id));
    const consumer = this.#consumer!;
    // Synchronously, before kafkajs's next fetch: it has just reset every position to the
    // committed offset and would otherwise fetch from there.
    for (const id of added) consumer.pause(byTopic(taskPartitions(this.#topology, id)));
    for (const id of kept) this.#seekTask(this.#tasks.get(id)!);
    this.#announceRebalance({
      type: 'rebalance',
      generation: null,
      memberId: payload.memberId,
      leaderId: payload.leaderId,
      isLeader: payload.isLeader,
      assigned,
      revoked: sortTasks([...revoked, ...lost]),
      kept,
      durationMs: payload.duration,
    });
    void this.#queue.run(async () => {
      for (const id of lost) {
        const task = this.#tasks.get(id);
        if (task === undefined) continue;
        await task.producer?.abort('the group dropped this member').catch(() => undefined);
        this.#dropTask(task, 'migrated', 'the group dropped this member (session timeout)');
        await task.producer?.close();
      }
      for (const id of revoked) {
        const task = this.#tasks.get(id);
        if (task !== undefined) await this.#closeTask(task, 'revoked');
      }
      if (!this.#stopping) this.#hooks.setState('RUNNING', `generation joined as ${payload.isLeader ? 'leader' : 'member'}`);
      for (const id of added) if (this.#assigned.has(id) && !this.#tasks.has(id)) await this.#initTask(id);
    });
  }

  /** kafkajs's join event has no generation; the first heartbeat after it does. */
  #announceRebalance(event: Extract<StreamsEventInput, { type: 'rebalance' }>): void {
    if (this.#pendingRebalance !== null) {
      clearTimeout(this.#pendingRebalance.timer);
      this.#hooks.emit(this.#pendingRebalance.event);
    }
    this.#generation = null;
    const timer = setTimeout(() => this.#flushRebalance(), this.#config.heartbeatIntervalMs * 2 + 500);
    this.#pendingRebalance = { event, timer };
  }

  #onGeneration(generation: number): void {
    this.#generation = generation;
    this.#flushRebalance();
  }

  #flushRebalance(): void {
    const pending = this.#pendingRebalance;
    if (pending === null) return;
    clearTimeout(pending.timer);
    this.#pendingRebalance = null;
    this.#hooks.emit({ ...pending.event, generation: this.#generation });
  }

  #seekTask(task: StreamTask): void {
    const consumer = this.#consumer!;
    for (const p of task.positions()) consumer.seek({ topic: p.topic, partition: p.partition, offset: String(p.offset) });
  }

  // ---- task lifecycle ----

  async #initTask(id: TaskId): Promise<void> {
    const task = new StreamTask(id, this.#topology);
    this.#tasks.set(id, task);
    this.#hooks.emit({ type: 'task', taskId: id, phase: 'created' });
    try {
      if (this.guarantee === 'exactly_once') {
        task.producer = new TransactionalStreamsProducer({
          kafkaConfig: { ...this.#kafkaConfig, clientId: `${this.#config.clientId}-${id}-producer` },
          transactionalId: `${this.#config.applicationId}-${id}`,
          taskId: id,
          transactionTimeoutMs: this.#config.transactionTimeoutMs,
          emit: this.#hooks.emit,
        });
        // Fences any older owner and settles its open transaction before offsets are read.
        await task.producer.init();
      }
      const admin = this.#admin!;
      const topics = [...new Set(task.sources.map((s) => s.topic))];
      const committed = await admin.fetchOffsets({ groupId: this.#config.applicationId, topics });
      task.setCommitted(
        committed.flatMap(({ topic, partitions }) =>
          partitions.filter((p) => p.partition === task.partition && Number(p.offset) >= 0).map((p) => ({ topic, partition: p.partition, offset: Number(p.offset) })),
        ),
      );
      const ranges = new Map<string, { start: number; end: number }>();
      for (const { topic, partition } of task.changelogs) {
        const offsets = await admin.fetchTopicOffsets(topic);
        const p = offsets.find((o) => o.partition === partition);
        ranges.set(topic, { start: Number(p?.low ?? 0), end: Number(p?.high ?? 0) });
      }
      if (this.#tasks.get(id) !== task) return; // closed meanwhile
      if (task.beginRestore(ranges)) {
        this.#startRunning(task);
        return;
      }
      this.#hooks.emit({ type: 'task', taskId: id, phase: 'restoring', restored: 0, toRestore: task.toRestore });
      const consumer = this.#consumer!;
      for (const [topic, range] of ranges) {
        if (!task.isRestoring(topic)) continue;
        consumer.seek({ topic, partition: task.partition, offset: String(range.start) });
        consumer.resume([{ topic, partitions: [task.partition] }]);
      }
    } catch (err) {
      await this.#taskFailed(task, err, 'initialising');
    }
  }

  #startRunning(task: StreamTask): void {
    const consumer = this.#consumer!;
    consumer.pause(byTopic(task.changelogs));
    this.#hooks.emit({
      type: 'task',
      taskId: task.id,
      phase: 'restored',
      restored: task.restored,
      // The estimate was an offset range (markers and aborted records included); now it is known.
      toRestore: task.restored,
      durationMs: Date.now() - task.restoreStartedAt,
    });
    this.#seekTask(task);
    task.phase = 'running';
    consumer.resume(byTopic(task.sources));
    this.#hooks.emit({ type: 'task', taskId: task.id, phase: 'running' });
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

  /** Dirty close: nothing is committed; the consumer stops fetching the task's partitions. */
  #dropTask(task: StreamTask, phase: 'closed' | 'migrated', reason: string): void {
    if (this.#tasks.get(task.id) === task) this.#tasks.delete(task.id);
    task.phase = phase;
    task.collector.clear();
    this.#consumer?.pause(byTopic(taskPartitions(this.#topology, task.id)));
    this.#hooks.emit({ type: 'task', taskId: task.id, phase, reason });
  }

  async #taskFailed(task: StreamTask, err: unknown, during: string): Promise<void> {
    const message = `${during} task ${task.id}: ${errorMessage(err)}`;
    if (isFencedError(err)) {
      // Another instance owns the task now (or the coordinator expired our transaction).
      task.producer?.fenced(errorMessage(err));
      this.#dropTask(task, 'migrated', message);
      await task.producer?.close();
      this.#scheduleOwnershipCheck();
      return;
    }
    if (this.#stopping) {
      this.#dropTask(task, 'closed', message);
      await task.producer?.close();
      return;
    }
    // Anything else: abort, forget the task's state and re-create it from the changelog and the
    // committed offsets (Kafka Streams closes a corrupted task dirty and revives it).
    this.#hooks.emit({ type: 'error', taskId: task.id, message: `${message}; rewinding to the last commit`, fatal: false });
    await task.producer?.abort(message).catch(() => undefined);
    this.#dropTask(task, 'closed', message);
    await task.producer?.close();
    if (this.#assigned.has(task.id)) await this.#initTask(task.id);
  }

  /**
   * After fencing we may be a zombie (the group moved on) or the rightful owner whose
   * transaction timed out. A zombie finds out at its next heartbeat and rejoins; the owner would
   * wait forever, so ask the coordinator whether the group still gives us the task.
   */
  #scheduleOwnershipCheck(): void {
    if (this.#ownershipTimer !== null || this.#stopping) return;
    this.#ownershipTimer = setTimeout(() => {
      this.#ownershipTimer = null;
      void this.#queue.run(async () => {
        const missing = [...this.#assigned].filter((id) => !this.#tasks.has(id));
        if (missing.length === 0 || this.#stopping) return;
        const mine = await this.#tasksGroupGivesUs().catch(() => null);
        if (mine === null) {
          this.#scheduleOwnershipCheck();
          return;
        }
        for (const id of missing) if (mine.has(id) && this.#assigned.has(id) && !this.#tasks.has(id)) await this.#initTask(id);
        if (missing.some((id) => !mine.has(id))) this.#scheduleOwnershipCheck();
      });
    }, this.#config.heartbeatIntervalMs);
  }

  async #tasksGroupGivesUs(): Promise<Set<TaskId> | null> {
    const { groups } = await this.#admin!.describeGroups([this.#config.applicationId]);
    const group = groups[0];
    if (group === undefined || group.state !== 'Stable') return null;
    const me = group.members.find((m) => m.memberId === this.#memberId);
    if (me === undefined) return new Set();
    const decoded = AssignerProtocol.MemberAssignment.decode(me.memberAssignment);
    return new Set(decoded === null ? [] : tasksOfAssignment(this.#topology, decoded.assignment));
  }

  // ---- fetching ----

  async #onBatch(payload: EachBatchPayload): Promise<void> {
    if (this.#stopping || this.#failed) return;
    const { batch } = payload;
    if (this.#changelogTopics.has(batch.topic)) {
      this.#restoreBatch(payload);
      return;
    }
    const task = this.#taskOf(batch.topic, batch.partition);
    if (task === undefined || task.phase !== 'running') return;
    try {
      if (this.guarantee === 'at_most_once') await this.#commitBeforeProcessing(batch.topic, batch.partition, Number(batch.lastOffset()) + 1);
      let sinceHeartbeat = 0;
      for (const message of batch.messages) {
        if (!payload.isRunning() || payload.isStale() || this.#stopping || task.phase !== 'running') break;
        const delay = this.#config.recordDelayMs();
        if (delay > 0) {
          await new Promise((r) => setTimeout(r, delay));
          await payload.heartbeat();
        } else if (++sinceHeartbeat >= 200) {
          sinceHeartbeat = 0;
          await payload.heartbeat();
        }
        const record = toInputRecord(batch.topic, batch.partition, message);
        const t0 = process.hrtime.bigint();
        const processed = task.process(record);
        if (processed) {
          this.#metrics.addProcess(process.hrtime.bigint() - t0);
          this.#metrics.recordsIn++;
        }
        payload.resolveOffset(message.offset);
        if (task.collector.size >= MAX_BUFFERED_RECORDS) await this.#flush(task);
      }
      await this.#flush(task);
    } catch (err) {
      if (isRebalanceError(err)) throw err; // kafkajs rejoins; the join handler sorts out tasks
      if (isProcessingFailure(err)) {
        this.#fatal(err);
        return;
      }
      await this.#taskFailed(task, err, 'processing');
      return;
    }
    if (Date.now() - this.#lastCommit >= this.#config.commitIntervalMs) await this.#commitAll();
  }

  #restoreBatch({ batch, resolveOffset }: EachBatchPayload): void {
    const task = this.#taskOf(batch.topic, batch.partition);
    if (task === undefined || task.phase !== 'restoring' || !task.isRestoring(batch.topic)) return;
    const done = task.restoreBatch(
      batch.topic,
      batch.messages.map((m) => ({ offset: Number(m.offset), key: m.key, value: m.value })),
      Number(batch.lastOffset()) + 1,
    );
    resolveOffset(batch.lastOffset());
    this.#restoreProgress(task, batch.topic, done);
  }

  #onFilteredBatch(topic: string, partition: number, nextOffset: number): void {
    if (!this.#changelogTopics.has(topic)) return;
    void this.#queue.run(async () => {
      const task = this.#taskOf(topic, partition);
      if (task === undefined || task.phase !== 'restoring') return;
      this.#restoreProgress(task, topic, task.advanceRestore(topic, nextOffset));
    });
  }

  #restoreProgress(task: StreamTask, topic: string, done: boolean): void {
    if (!task.isRestoring(topic)) this.#consumer!.pause([{ topic, partitions: [task.partition] }]);
    if (done) this.#startRunning(task);
    else this.#hooks.emit({ type: 'task', taskId: task.id, phase: 'restoring', restored: task.restored, toRestore: task.toRestore });
  }

  /** The task that owns a source or changelog partition, if this thread holds it. */
  #taskOf(topic: string, partition: number): StreamTask | undefined {
    const subtopology = this.#subtopologyOfTopic.get(topic);
    return subtopology === undefined ? undefined : this.#tasks.get(taskId(subtopology, partition));
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
    else if (offsets.length > 0 && this.guarantee === 'at_least_once') await this.#commitOffsets(offsets);
    task.markCommitted(offsets);
    return offsets;
  }

  async #commitAll(): Promise<void> {
    this.#lastCommit = Date.now();
    if (this.#failed) return;
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
        if (offsets.length > 0 && this.guarantee === 'at_least_once') await this.#commitOffsets(offsets);
        for (const task of running) task.markCommitted(offsets.filter((o) => task.sources.some((s) => s.topic === o.topic && s.partition === o.partition)));
        committed.push(...offsets);
      } catch (err) {
        // A commit refused mid-rebalance loses nothing: the records are re-read (at-least-once).
        this.#hooks.emit({ type: 'error', message: `commit failed: ${errorMessage(err)}`, fatal: false });
        return;
      }
    }
    if (committed.length === 0) return;
    const durationMs = performance.now() - started;
    this.#metrics.addCommit(durationMs);
    this.#hooks.emit({ type: 'commit', guarantee: this.guarantee, offsets: committed, durationMs });
  }

  async #commitOffsets(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    await this.#consumer!.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) })));
  }

  async #commitBeforeProcessing(topic: string, partition: number, next: number): Promise<void> {
    const started = performance.now();
    await this.#commitOffsets([{ topic, partition, offset: next }]);
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
    if (this.#ownershipTimer !== null) clearTimeout(this.#ownershipTimer);
    if (this.#pendingRebalance !== null) this.#flushRebalance();
    this.#commitTimer = this.#metricsTimer = this.#ownershipTimer = null;
  }

  /** Release clients after a fatal error, without committing anything. */
  async abandon(): Promise<void> {
    this.#stopping = true;
    this.#clearTimers();
    await this.#queue.run(async () => {
      for (const task of this.tasks()) {
        await task.producer?.abort('instance failed').catch(() => undefined);
        this.#dropTask(task, 'closed', 'instance failed');
        await task.producer?.close();
      }
    });
    await this.#consumer?.disconnect().catch(() => undefined);
    await this.#shared?.close();
    await this.#admin?.disconnect().catch(() => undefined);
  }

  #emitMetrics(): void {
    this.#hooks.emit({
      type: 'metrics',
      ...this.#metrics.snapshot(),
      tasks: this.tasks().map((t) => ({ taskId: t.id, phase: t.phase, processed: t.processed, positions: t.positions() })),
    });
  }
}

function toInputRecord(topic: string, partition: number, m: KafkaMessage): InputRecord {
  return {
    topic,
    partition,
    offset: Number(m.offset),
    timestamp: Number(m.timestamp),
    key: m.key,
    value: m.value,
    headers: (m.headers ?? {}) as InputRecord['headers'],
  };
}

/**
 * kafkajs's log line with its error detail. Error responses during a rebalance
 * (REBALANCE_IN_PROGRESS to a heartbeat) are routine, so they are warnings, not errors.
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
