// The app's handle, named as in Kafka Streams: new KafkaStreams(topology, config), start(),
// close(), state, the telemetry feed, and read access to the stores of the tasks it holds.
import { randomUUID } from 'node:crypto';
import type { KeyValueStore } from '../state/key-value-store.js';
import type { Topology } from '../topology/topology.js';
import { StateDirectory } from '../state/state-directory.js';
import { resolveConfig } from './config.js';
import type { StreamsConfig, StreamsConfigInput } from './config.js';
import { errorMessage } from './kafka-errors.js';
import { StreamThread, type CloseOptions } from './stream-thread.js';
import { findStore, type LocalTask, type QueriedStore, type StoreQueryParameters } from './store-query.js';
import type { StreamsEvent, StreamsEventInput, StreamsState } from './telemetry.js';

/** Which state changes are legal, as in Kafka Streams' KafkaStreams.State. */
const TRANSITIONS: Record<StreamsState, readonly StreamsState[]> = {
  CREATED: ['REBALANCING', 'PENDING_SHUTDOWN', 'ERROR'],
  REBALANCING: ['RUNNING', 'PENDING_SHUTDOWN', 'ERROR'],
  RUNNING: ['REBALANCING', 'PENDING_SHUTDOWN', 'ERROR'],
  PENDING_SHUTDOWN: ['NOT_RUNNING'],
  NOT_RUNNING: [],
  ERROR: ['PENDING_SHUTDOWN', 'NOT_RUNNING'],
};

export class KafkaStreams {
  readonly config: StreamsConfig;
  readonly topology: Topology;
  #state: StreamsState = 'CREATED';
  readonly #listeners = new Set<(e: StreamsEvent) => void>();
  readonly #thread: StreamThread;
  /** state.dir/<application id>: persistent stores, checkpoints and the process id; null without a state dir. */
  readonly #stateDirectory: StateDirectory | null;
  #failure: Error | null = null;
  #closed: Promise<void> | null = null;
  readonly #failed: Promise<Error>;
  #rejectFailed!: (e: Error) => void;

  constructor(topology: Topology, config: StreamsConfigInput) {
    this.config = resolveConfig(config);
    this.topology = topology.applicationId === this.config.applicationId ? topology : topology.withApplicationId(this.config.applicationId);
    this.#failed = new Promise<Error>((resolve) => (this.#rejectFailed = resolve));
    this.#stateDirectory = this.config.stateDir === null ? null : new StateDirectory(this.config.stateDir, this.config.applicationId);
    // Kafka Streams keeps the process id in the state directory, so a restart is the same client
    // to the assignor (its tasks come back to it) and the same transactional ids fence its past.
    const processId = this.#stateDirectory?.processId ?? randomUUID();
    this.#thread = new StreamThread(this.topology, this.config, { processId, stateDirectory: this.#stateDirectory }, {
      emit: (e) => this.#emit(e),
      setState: (to, reason) => this.#setState(to, reason),
      fail: (err) => this.#fail(err),
    });
  }

  get state(): StreamsState {
    return this.#state;
  }

  /** The error that put the instance in ERROR, if any. */
  get failure(): Error | null {
    return this.#failure;
  }

  onEvent(fn: (e: StreamsEvent) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Resolves once the consumer has started (topics checked, internal topics created). */
  async start(): Promise<void> {
    if (this.#state !== 'CREATED') throw new Error(`start() called in state ${this.#state}`);
    try {
      await this.#thread.start();
    } catch (err) {
      this.#fail(err);
      await this.#thread.abandon();
      this.#stateDirectory?.close();
      this.#setState('NOT_RUNNING', 'start failed');
      throw this.#failure;
    }
  }

  /** Resolves with the error once the instance fails; never resolves if it does not. */
  failed(): Promise<Error> {
    return this.#failed;
  }

  /**
   * Graceful: commits or aborts open work, then — as Kafka Streams' CloseOptions — remains in the
   * group (the default: its tasks wait for it until the session times out, or for its static
   * identity to return) or leaves it (`leaveGroup: true`: the group rebalances at once; a static
   * member is removed on its behalf, as Kafka Streams does with the admin client). Idempotent.
   */
  close(opts: CloseOptions = {}): Promise<void> {
    this.#closed ??= (async () => {
      if (this.#state === 'NOT_RUNNING') return;
      if (this.#state === 'ERROR') {
        this.#setState('PENDING_SHUTDOWN', 'close after error');
        await this.#thread.abandon();
        this.#stateDirectory?.close();
      } else {
        this.#setState('PENDING_SHUTDOWN', 'close requested');
        await this.#thread.stop(opts);
      }
      this.#stateDirectory?.close();
      this.#setState('NOT_RUNNING', 'closed');
    })();
    return this.#closed;
  }

  /**
   * A store of a task this instance holds (task id as `<subtopology>_<partition>`), read-only use;
   * or, given StoreQueryParameters, the store an interactive query reads, as Kafka Streams'
   * store(StoreQueryParameters) picks it (throws InvalidStateStoreError when none may answer).
   */
  store(name: string, taskId: string): KeyValueStore | undefined;
  store(params: StoreQueryParameters): QueriedStore;
  store(nameOrParams: string | StoreQueryParameters, taskId?: string): KeyValueStore | QueriedStore | undefined {
    if (typeof nameOrParams !== 'string') return findStore(this.topology, this.#state, this.#localTasks(), nameOrParams);
    return this.#thread.tasks().find((t) => t.id === taskId)?.store(nameOrParams);
  }

  #localTasks(): LocalTask[] {
    const lag = (id: string) => () => this.#thread.changelogLag(id);
    return [
      ...this.#thread.tasks().map((t) => ({ taskId: t.id, role: 'active' as const, phase: t.phase, store: (n: string) => t.store(n), changelogLag: lag(t.id) })),
      ...this.#thread.standbyTasks().map((s) => ({ taskId: s.id, role: s.role, phase: 'running' as const, store: (n: string) => s.state.store(n), changelogLag: lag(s.id) })),
    ];
  }

  /** Every task this instance holds now: active ones with their phase, then standbys and warm-ups. */
  tasks(): { taskId: string; role: 'active' | 'standby' | 'warmup'; phase: string; processed: number }[] {
    return [
      ...this.#thread.tasks().map((t) => ({ taskId: t.id, role: 'active' as const, phase: t.phase, processed: t.processed })),
      ...this.#thread.standbyTasks().map((s) => ({ taskId: s.id, role: s.role, phase: 'running', processed: 0 })),
    ];
  }

  #fail(err: unknown): void {
    if (this.#failure !== null) return;
    this.#failure = err instanceof Error ? err : new Error(errorMessage(err));
    this.#emit({ type: 'error', message: this.#failure.message, fatal: true });
    this.#setState('ERROR', this.#failure.message);
    this.#rejectFailed(this.#failure);
  }

  #setState(to: StreamsState, reason: string): void {
    const from = this.#state;
    if (from === to || !TRANSITIONS[from].includes(to)) return;
    this.#state = to;
    this.#emit({ type: 'state', from, to, reason });
  }

  #emit(event: StreamsEventInput): void {
    const stamped = { ...event, at: Date.now() } as StreamsEvent;
    for (const fn of this.#listeners) fn(stamped);
  }
}
