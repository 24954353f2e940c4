// The stream thread (Kafka Streams' StreamThread), on the project's own client: one group member
// for the source and repartition topics (cooperative by default, eager selectable, static when a
// group instance id is set), a fetcher for their partitions, a StoreChangelogReader that restores
// active tasks and keeps standby tasks current from the changelogs outside the group, and the
// producers. The poll loop reads changelogs and sources and processes; the TaskManager owns the
// tasks, what the rebalance callbacks do to them, and the commits. Everything that touches tasks
// runs on one SerialQueue.
import { Kafka, logLevel } from 'kafkajs';
import type { Admin, KafkaConfig, LogEntry } from 'kafkajs';
import '../../kafkajs-fixes.js';
import { KafkaClient, type KafkaClientConfig } from '../../client/client.js';
import { Fetcher, type FetchedRecord } from '../../client/fetcher.js';
import { GroupMember } from '../../client/group/group-member.js';
import { removeMember } from '../../client/group/remove-members.js';
import { ErrorCode, errorName } from '../../protocol/errors.js';
import type { GroupMemberEvent } from '../../client/group/group-events.js';
import type { InputRecord } from '../records.js';
import type { Topology } from '../topology/topology.js';
import type { StreamsConfig } from './config.js';
import { prepareTopics } from './internal-topics.js';
import type { StateDirectory } from '../state/state-directory.js';
import { crashIfAsked } from './crash-points.js';
import { errorMessage } from './kafka-errors.js';
import { ThreadMetrics } from './metrics.js';
import { SerialQueue } from './serial-queue.js';
import type { StandbyTask } from './standby-task.js';
import { StoreChangelogReader } from './store-changelog-reader.js';
import { StreamsPartitionAssignor } from './streams-partition-assignor.js';
import { StreamsProducer } from './streams-producer.js';
import type { StreamTask } from './stream-task.js';
import { TaskManager } from './task-manager.js';
import { sortTasks } from './tasks.js';
import type { TaskId, TopicPartition } from './tasks.js';
import type { StreamsEventInput, StreamsState } from './telemetry.js';

/** A task flushes its collected records once this many are waiting, even mid-batch. */
const MAX_BUFFERED_RECORDS = 2_000;
const METRICS_INTERVAL_MS = 1_000;
/** One stream thread per instance: Kafka Streams numbers its threads from 1. */
const THREAD_INDEX = 1;
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
  /** The restore consumer's own connections: its fetches must not queue behind the main consumer's long polls (one connection answers in order). */
  readonly #restoreClient: KafkaClient;
  readonly #fetcher: Fetcher;
  readonly #changelogReader: StoreChangelogReader;
  readonly #member: GroupMember;
  readonly #assignor: StreamsPartitionAssignor;
  readonly #queue = new SerialQueue();
  readonly #metrics = new ThreadMetrics();
  readonly #taskManager: TaskManager;
  #admin: Admin | null = null;
  readonly #producer: StreamsProducer;
  #loop: Promise<void> | null = null;
  #commitTimer: NodeJS.Timeout | null = null;
  #metricsTimer: NodeJS.Timeout | null = null;
  #probingTimer: NodeJS.Timeout | null = null;
  #stopping = false;
  #failed = false;
  #joinReason = 'joining the group';
  /** Between a join starting and its rebalance completing with no follow-up round pending. */
  #rebalancing = true;
  /** Tasks whose partitions the join that is under way reported lost (the generation was gone). */
  #joinLost: TaskId[] = [];

  constructor(topology: Topology, config: StreamsConfig, { processId, stateDirectory }: { processId: string; stateDirectory: StateDirectory | null }, hooks: StreamThreadHooks) {
    this.#topology = topology;
    this.#config = config;
    this.#hooks = hooks;
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
    this.#producer = new StreamsProducer({
      client: { ...clientConfig(config), clientId: `${config.clientId}-StreamThread-${THREAD_INDEX}-producer` },
      // Kafka Streams 4.x (KIP-447): one transactional id per stream thread, stable across restarts of the process.
      transactionalId: this.guarantee === 'exactly_once_v2' ? `${config.applicationId}-${processId}-${THREAD_INDEX}` : null,
      transactionTimeoutMs: config.transactionTimeoutMs,
      compression: config.compressionType,
      emit: (e) => this.#hooks.emit(e),
      afterOffsetsSent: () => crashIfAsked(config.crashAt, 'after-txn-offsets'),
    });
    const isolationLevel = this.guarantee === 'exactly_once_v2' ? 'read_committed' : 'read_uncommitted';
    // Kafka Streams' consumers: auto.offset.reset=earliest for sources; the restore consumer seeks itself.
    this.#fetcher = new Fetcher(this.#client, { isolationLevel, autoOffsetReset: 'earliest', maxWaitMs: config.fetchMaxWaitMs });
    this.#restoreClient = new KafkaClient({ ...clientConfig(config), clientId: `${config.clientId}-StreamThread-${THREAD_INDEX}-restore-consumer` });
    this.#changelogReader = new StoreChangelogReader(this.#restoreClient, new Fetcher(this.#restoreClient, { isolationLevel, autoOffsetReset: 'earliest', maxWaitMs: config.fetchMaxWaitMs }));
    this.#assignor = new StreamsPartitionAssignor({
      topology,
      config,
      client: this.#client,
      processId,
      taskOffsetSums: () => this.#taskManager.taskOffsetSums(),
      onAssignment: (a) => {
        this.#taskManager.assignment = a;
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
      metadataMaxAgeMs: config.metadataMaxAgeMs,
      listener: {
        onPartitionsRevoked: (partitions) => this.#queue.run(() => this.#taskManager.onRevoked(partitions)),
        onPartitionsAssigned: (added, kept) => this.#queue.run(() => this.#taskManager.onAssigned(added, kept)),
        onPartitionsLost: (partitions) => this.#queue.run(() => this.#taskManager.onLost(partitions)),
      },
      onEvent: (e) => this.#onGroupEvent(e),
    });
    this.#taskManager = new TaskManager({
      topology,
      config,
      fetcher: this.#fetcher,
      changelogReader: this.#changelogReader,
      member: this.#member,
      queue: this.#queue,
      metrics: this.#metrics,
      producer: this.#producer,
      stateDirectory,
      threadName: `${config.clientId}-StreamThread-${THREAD_INDEX}`,
      hooks: {
        emit: (event) => this.#hooks.emit(event),
        tasksChanged: () => this.#updateState(),
        probingRebalanceAt: (at) => this.#scheduleProbingRebalance(at),
      },
    });
  }

  get guarantee(): StreamsConfig['processingGuarantee'] {
    return this.#config.processingGuarantee;
  }

  /** Active tasks this thread holds now, for stores and telemetry. */
  tasks(): StreamTask[] {
    return this.#taskManager.tasks();
  }

  standbyTasks(): StandbyTask[] {
    return this.#taskManager.standbyTasks();
  }

  /**
   * Changelog records a task's stores are behind (for interactive queries): 0 for a running active
   * task, what is left to restore for a restoring one, a standby's lag; null while unknown.
   */
  changelogLag(id: TaskId): number | null {
    const active = this.#taskManager.tasks().find((t) => t.id === id);
    if (active === undefined) return this.#changelogReader.standbyLag(id);
    if (active.phase === 'running') return 0;
    const restore = this.#changelogReader.restoreOf(id);
    return restore === null ? null : Math.max(0, restore.toRestore - restore.restored);
  }

  async start(): Promise<void> {
    const admin = this.#kafka.admin();
    this.#admin = admin;
    await admin.connect();
    await prepareTopics(admin, this.#topology, this.#config.replicationFactor);
    // Fences an earlier incarnation of this thread (same process id from the state directory)
    // and completes the transaction it left open.
    await this.#producer.init();
    this.#hooks.setState('REBALANCING', 'joining the group');
    this.#member.start().catch(() => undefined); // failures arrive as group.member.failed
    this.#loop = this.#runLoop();
    const tick = Math.max(10, Math.min(this.#config.commitIntervalMs / 2, 1000));
    this.#commitTimer = setInterval(() => {
      if (Date.now() - this.#taskManager.lastCommit >= this.#config.commitIntervalMs) void this.#queue.run(() => this.#taskManager.commitAll());
    }, tick);
    this.#metricsTimer = setInterval(() => this.#emitMetrics(), METRICS_INTERVAL_MS);
  }

  /** Graceful stop: commit (or abort) every task's work, then leave the group or remain in it. */
  async stop(opts: CloseOptions = {}): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#taskManager.closing = true;
    this.#clearTimers();
    await this.#queue.run(() => this.#taskManager.closeAll(true, 'shutdown'));
    this.#fetcher.close();
    this.#changelogReader.close();
    await this.#loop?.catch(() => undefined);
    // The tasks are closed already, so leaving calls back nothing that still holds work.
    await this.#member.close({ leaveGroup: opts.leaveGroup ?? false }).catch(() => undefined);
    // A static member sends no LeaveGroup: Kafka Streams removes it as an admin would
    // (KafkaStreams.streamThreadLeaveConsumerGroup), so the group rebalances now. Gone already is fine.
    if (opts.leaveGroup === true && this.#config.groupInstanceId !== null) await this.#removeStaticMember(this.#config.groupInstanceId);
    this.#client.close();
    this.#restoreClient.close();
    await this.#producer.close();
    await this.#admin?.disconnect().catch(() => undefined);
  }

  async #removeStaticMember(groupInstanceId: string): Promise<void> {
    const failed = (why: string) => this.#hooks.emit({ type: 'log', level: 'error', message: `could not remove static member ${groupInstanceId} from group ${this.#config.applicationId}: ${why}` });
    try {
      const code = await removeMember(this.#client, this.#config.applicationId, { memberId: '', groupInstanceId });
      if (code !== ErrorCode.NONE && code !== ErrorCode.UNKNOWN_MEMBER_ID) failed(errorName(code));
    } catch (err) {
      failed(errorMessage(err));
    }
  }

  /** Release clients after a fatal error, without committing anything. */
  async abandon(): Promise<void> {
    this.#stopping = true;
    this.#taskManager.closing = true;
    this.#clearTimers();
    await this.#queue.run(() => this.#taskManager.closeAll(false, 'instance failed'));
    this.#fetcher.close();
    this.#changelogReader.close();
    await this.#loop?.catch(() => undefined);
    await this.#member.close({ leaveGroup: false }).catch(() => undefined);
    this.#client.close();
    this.#restoreClient.close();
    await this.#producer.close();
    await this.#admin?.disconnect().catch(() => undefined);
  }

  // ---- the poll loop ----

  async #runLoop(): Promise<void> {
    while (!this.#stopping && !this.#failed) {
      try {
        if (this.#changelogReader.restoring) {
          const changelogs = await this.#changelogReader.poll(RESTORE_POLL_MS);
          await this.#queue.run(() => this.#taskManager.onChangelogs(changelogs));
          const sources = await this.#fetcher.poll(0);
          await this.#queue.run(() => this.#process(sources.batches, sources.errors));
        } else {
          if (!this.#changelogReader.idle) {
            const changelogs = await this.#changelogReader.poll(0);
            await this.#queue.run(() => this.#taskManager.onChangelogs(changelogs));
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
      const task = this.#taskManager.taskOf(batch.topic, batch.partition);
      if (task === undefined || task.phase !== 'running' || batch.records.length === 0) continue;
      try {
        if (this.guarantee === 'at_most_once') await this.#taskManager.commitBeforeProcessing(batch.topic, batch.partition, batch.records[batch.records.length - 1]!.offset + 1);
        for (const record of batch.records) {
          if (this.#stopping || task.phase !== 'running') break;
          const delay = this.#config.recordDelayMs();
          if (delay > 0) await new Promise((r) => setTimeout(r, delay));
          const t0 = process.hrtime.bigint();
          if (task.process(toInputRecord(batch.topic, batch.partition, record))) {
            this.#metrics.addProcess(process.hrtime.bigint() - t0);
            this.#metrics.recordsIn++;
            this.#taskManager.notePause(task);
          }
          if (task.collector.size >= MAX_BUFFERED_RECORDS) await this.#taskManager.flush(task);
        }
        await this.#taskManager.flush(task);
      } catch (err) {
        if (isProcessingFailure(err)) {
          this.#fatal(err);
          return;
        }
        await this.#taskManager.taskFailed(task, err, 'processing');
      }
    }
    if (Date.now() - this.#taskManager.lastCommit >= this.#config.commitIntervalMs) await this.#taskManager.commitAll();
  }


  #onGroupEvent(e: GroupMemberEvent): void {
    if (this.#stopping) return;
    if (e.type === 'group.join.started') {
      this.#joinReason = e.reason;
      this.#joinLost = this.#taskManager.tasksOfPartitionsIds(e.lost);
      this.#rebalancing = true;
      this.#hooks.setState('REBALANCING', `rebalance: ${e.reason}`);
    } else if (e.type === 'group.rebalance.completed') {
      this.#rebalancing = e.followUp;
      void this.#queue.run(async () => this.#updateState());
      const a = this.#taskManager.assignment;
      const assigned = a?.generationId === e.generationId ? a.active : this.#taskManager.tasksOfPartitionsIds(e.assigned);
      const eager = e.rebalanceProtocol === 'eager';
      const suspended = this.#taskManager.takeSuspendedOutcome();
      const revoked = eager ? suspended.revoked : this.#taskManager.tasksOfPartitionsIds(e.revoked);
      const kept = eager ? suspended.kept : this.#taskManager.tasksOfPartitionsIds(e.kept);
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


  // ---- failure and metrics ----

  #fatal(err: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#taskManager.closing = true;
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

/**
 * kafkajs's log line with its error detail (the admin client that creates internal topics is kafkajs's).
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
