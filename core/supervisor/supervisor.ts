/**
 * Supervisor: hosts stream-app instances, one worker thread each, and injects faults.
 * Worker messages are validated (protocol.ts); everything that happens is an event on `onEvent`.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { entryModuleUrl } from '../entry-modules.js';
import { StoreQuery, WorkerToParent, describeIssues, type ParentToWorker, type QueryFailure, type StoreQueryAnswer } from './protocol.js';

export type InstanceState = 'starting' | 'running' | 'frozen' | 'stopping' | 'stopped' | 'killed' | 'crashed';

export interface InstanceInfo {
  id: string;
  app: string;
  state: InstanceState;
  startedAt: number;
  exitCode: number | null;
  lastError: string | null;
}

export interface InstanceResources {
  /** event-loop utilisation of the worker since the previous sample, 0..1 (worker.performance.eventLoopUtilization) */
  elu: number;
  /** V8 heap of the worker's isolate, from the worker's last `metrics` message (v8.getHeapStatistics) */
  heapUsed: number | null;
  heapTotal: number | null;
}

export type SupervisorEvent =
  | { type: 'instance.state'; id: string; ts: number; from: InstanceState | null; to: InstanceState; reason: string }
  | { type: 'instance.telemetry'; id: string; ts: number; event: unknown }
  | { type: 'instance.error'; id: string; ts: number; message: string; stack?: string; source: 'app' | 'protocol' | 'worker' }
  /** saidStopped: the worker posted `stopped` before exiting (false for kills and crashes) */
  | { type: 'instance.exit'; id: string; ts: number; exitCode: number; state: InstanceState; saidStopped: boolean }
  | ({ type: 'instance.resources'; id: string; ts: number } & InstanceResources);

export interface StartOptions {
  /** explicit instance id (default: `<n>`) */
  id?: string;
}

export interface SupervisorOptions {
  /** interval of `instance.resources` events; 0 disables (default 1000) */
  resourceIntervalMs?: number;
  /**
   * V8 old-generation limit of each instance's worker, in MiB (default 512). In Electron every
   * isolate of the main process shares one pointer-compression cage of about 4 GiB, so a runaway
   * instance must hit its own limit (the worker ends with ERR_WORKER_OUT_OF_MEMORY and the
   * instance crashes) long before it could exhaust the cage and abort the whole app.
   */
  workerHeapLimitMb?: number;
  /**
   * Where instances keep their state directories, one per instance id, kept across restarts.
   * Default: a temporary directory made on first use and removed by close().
   */
  stateRoot?: string;
}

export const DEFAULT_WORKER_HEAP_LIMIT_MB = 512;

/** How long a query waits for the instance's answer by default. */
export const DEFAULT_QUERY_TIMEOUT_MS = 5000;

/**
 * A query the instance could not answer: the app's own reason (QueryFailure), or the
 * supervisor's — the instance is frozen, not running, did not answer in time, or exited first.
 */
export class QueryError extends Error {
  override readonly name = 'QueryError';
  constructor(
    readonly instanceId: string,
    readonly reason: QueryFailure | 'frozen' | 'not-running' | 'timeout' | 'exited',
    message: string,
  ) {
    super(message);
  }
}

interface PendingQuery {
  resolve(answer: StoreQueryAnswer): void;
  reject(err: QueryError): void;
  timer: NodeJS.Timeout;
}

const WORKER = entryModuleUrl('worker');

interface Instance {
  info: InstanceInfo;
  config: unknown;
  worker: Worker | null;
  sawStopped: boolean;
  /** reason the instance is ending, decided by the supervisor (stop / kill / timeout) */
  ending: { state: InstanceState; reason: string } | null;
  exited: Promise<number> | null;
  elu: EventLoopUtilization | null;
  heapUsed: number | null;
  heapTotal: number | null;
  freezeTimer: NodeJS.Timeout | null;
  /** Queries sent to the current worker, by request id. */
  queries: Map<number, PendingQuery>;
}

const ACTIVE: ReadonlySet<InstanceState> = new Set(['starting', 'running', 'frozen', 'stopping']);

export class Supervisor {
  private readonly instances = new Map<string, Instance>();
  private readonly listeners = new Set<(e: SupervisorEvent) => void>();
  private seq = 0;
  private querySeq = 0;
  private readonly resourceTimer: NodeJS.Timeout | null;
  private readonly workerHeapLimitMb: number;
  private stateRoot: string | null;
  private readonly ownsStateRoot: boolean;

  constructor(opts: SupervisorOptions = {}) {
    this.workerHeapLimitMb = opts.workerHeapLimitMb ?? DEFAULT_WORKER_HEAP_LIMIT_MB;
    this.stateRoot = opts.stateRoot ?? null;
    this.ownsStateRoot = opts.stateRoot === undefined;
    const every = opts.resourceIntervalMs ?? 1000;
    this.resourceTimer = every > 0 ? setInterval(() => this.sampleResources(), every) : null;
    this.resourceTimer?.unref();
  }

  onEvent(fn: (e: SupervisorEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Start an instance of `app` (an absolute path, file: URL or bare specifier of a module exporting run(ctx)). */
  start(app: string, config: unknown, opts: StartOptions = {}): string {
    const id = opts.id ?? String(++this.seq);
    if (this.instances.has(id)) throw new Error(`instance ${id} already exists`);
    const inst: Instance = {
      info: { id, app, state: 'starting', startedAt: Date.now(), exitCode: null, lastError: null },
      config,
      worker: null,
      sawStopped: false,
      ending: null,
      exited: null,
      elu: null,
      heapUsed: null,
      heapTotal: null,
      freezeTimer: null,
      queries: new Map(),
    };
    this.instances.set(id, inst);
    this.spawn(inst, null, 'start');
    return id;
  }

  /** Start a finished (stopped / killed / crashed) instance again: same id, app and config, new worker. */
  restart(id: string): void {
    const inst = this.get(id);
    if (ACTIVE.has(inst.info.state)) throw new Error(`instance ${id} is ${inst.info.state}; stop or kill it first`);
    const from = inst.info.state;
    inst.info.startedAt = Date.now();
    inst.info.exitCode = null;
    inst.info.lastError = null;
    inst.sawStopped = false;
    inst.ending = null;
    inst.heapUsed = inst.heapTotal = null;
    this.spawn(inst, from, 'restart');
  }

  /**
   * Graceful stop: the app's signal aborts and the worker exits once run() returns.
   * If it has not exited after `timeoutMs`, the worker is terminated (state `killed`,
   * reason says so). Resolves with the final state.
   */
  async stop(id: string, timeoutMs = 5000, reason = 'requested', opts: { leaveGroup?: boolean } = {}): Promise<InstanceState> {
    const inst = this.get(id);
    if (!inst.worker || !inst.exited) return inst.info.state;
    const exited = inst.exited;
    this.setState(inst, 'stopping', `stop: ${reason}`);
    inst.ending = { state: 'stopped', reason: `stopped: ${reason}` };
    this.send(inst, { type: 'stop', reason, ...(opts.leaveGroup !== undefined ? { leaveGroup: opts.leaveGroup } : {}) });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (timedOut && inst.worker) {
      inst.ending = { state: 'killed', reason: `did not stop within ${timeoutMs} ms; terminated` };
      await inst.worker.terminate();
      await exited;
    }
    return inst.info.state;
  }

  /** Crash the instance: worker.terminate(), no goodbye. */
  async kill(id: string): Promise<void> {
    const inst = this.get(id);
    if (!inst.worker || !inst.exited) return;
    const exited = inst.exited;
    inst.ending = { state: 'killed', reason: 'killed (worker.terminate)' };
    await inst.worker.terminate();
    await exited;
  }

  /** Block the worker's event loop for `seconds` (a zombie), then it resumes. */
  freeze(id: string, seconds: number): void {
    const inst = this.get(id);
    if (!inst.worker) throw new Error(`instance ${id} is not running`);
    this.send(inst, { type: 'freeze', seconds });
    if (inst.info.state === 'running' || inst.info.state === 'starting') {
      const prev = inst.info.state;
      this.setState(inst, 'frozen', `freeze ${seconds}s`);
      if (inst.freezeTimer) clearTimeout(inst.freezeTimer);
      inst.freezeTimer = setTimeout(() => {
        inst.freezeTimer = null;
        if (inst.info.state === 'frozen') this.setState(inst, prev, 'thawed');
      }, seconds * 1000);
      inst.freezeTimer.unref();
    }
  }

  /** Set the per-record delay the app reads through ctx.delayPerRecord() (0 = normal speed). */
  slow(id: string, msPerRecord: number): void {
    const inst = this.get(id);
    if (!inst.worker) throw new Error(`instance ${id} is not running`);
    this.send(inst, { type: 'slow', msPerRecord });
  }

  /**
   * An interactive query of one of the instance's stores (Kafka Streams' store(StoreQueryParameters)
   * then get / range), answered by the app in the worker. Refused at once when the instance is
   * frozen (its event loop is blocked) or not running; rejected when it does not answer within
   * `timeoutMs` or exits first. Rejects with a QueryError only.
   */
  query(id: string, query: StoreQuery, timeoutMs = DEFAULT_QUERY_TIMEOUT_MS): Promise<StoreQueryAnswer> {
    const inst = this.get(id);
    const state = inst.info.state;
    if (state === 'frozen') return Promise.reject(new QueryError(id, 'frozen', `instance ${id} is frozen (its event loop is blocked); it cannot answer until it thaws`));
    if (!inst.worker || (state !== 'running' && state !== 'starting')) return Promise.reject(new QueryError(id, 'not-running', `instance ${id} is ${state}; only a running instance answers queries`));
    const parsed = StoreQuery.safeParse(query);
    if (!parsed.success) return Promise.reject(new QueryError(id, 'failed', `invalid query: ${describeIssues(parsed.error)}`));
    const requestId = ++this.querySeq;
    return new Promise<StoreQueryAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        inst.queries.delete(requestId);
        reject(new QueryError(id, 'timeout', `instance ${id} did not answer the query within ${timeoutMs} ms`));
      }, timeoutMs);
      inst.queries.set(requestId, { resolve, reject, timer });
      this.send(inst, { type: 'query', requestId, query: parsed.data });
    });
  }

  list(): InstanceInfo[] {
    return [...this.instances.values()].map((i) => ({ ...i.info }));
  }

  /** Test hook / escape hatch: the raw worker of an instance. */
  workerOf(id: string): Worker | null {
    return this.get(id).worker;
  }

  /** Terminate every worker and stop sampling. */
  async close(): Promise<void> {
    if (this.resourceTimer) clearInterval(this.resourceTimer);
    await Promise.all(
      [...this.instances.values()].filter((i) => i.worker).map((i) => this.kill(i.info.id)),
    );
    if (this.ownsStateRoot && this.stateRoot !== null) rmSync(this.stateRoot, { recursive: true, force: true });
  }

  /** The state directory of instance `id` (made on first use). */
  stateDirOf(id: string): string {
    this.stateRoot ??= mkdtempSync(join(tmpdir(), 'streamwatch-state-'));
    const dir = join(this.stateRoot, encodeURIComponent(id));
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  // ---- internals ----

  private get(id: string): Instance {
    const inst = this.instances.get(id);
    if (!inst) throw new Error(`no instance ${id}`);
    return inst;
  }

  private emit(e: SupervisorEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(e);
      } catch {
        // a listener's failure must not break supervision
      }
    }
  }

  private setState(inst: Instance, to: InstanceState, reason: string): void {
    const from = inst.info.state;
    if (from === to) return;
    inst.info.state = to;
    this.emit({ type: 'instance.state', id: inst.info.id, ts: Date.now(), from, to, reason });
  }

  private send(inst: Instance, msg: ParentToWorker): void {
    inst.worker?.postMessage(msg);
  }

  private spawn(inst: Instance, from: InstanceState | null, reason: string): void {
    const id = inst.info.id;
    const worker = new Worker(WORKER, { stdout: false, stderr: false, resourceLimits: { maxOldGenerationSizeMb: this.workerHeapLimitMb } });
    inst.worker = worker;
    inst.elu = null;
    inst.info.state = 'starting';
    this.emit({ type: 'instance.state', id, ts: Date.now(), from, to: 'starting', reason });

    worker.on('message', (raw: unknown) => this.onMessage(inst, worker, raw));
    worker.on('error', (err) => {
      // uncaught error that escaped the worker's own handlers (e.g. the bootstrap failed)
      if (inst.worker !== worker) return;
      inst.info.lastError = err.message;
      this.emit({ type: 'instance.error', id, ts: Date.now(), message: err.message, stack: err.stack, source: 'worker' });
    });
    inst.exited = new Promise<number>((resolve) => {
      worker.once('exit', (code) => {
        if (inst.worker === worker) this.onExit(inst, code);
        resolve(code);
      });
    });
    this.send(inst, { type: 'start', app: inst.info.app, config: inst.config, stateDir: this.stateDirOf(id) });
  }

  private onMessage(inst: Instance, worker: Worker, raw: unknown): void {
    if (inst.worker !== worker) return;
    const id = inst.info.id;
    const parsed = WorkerToParent.safeParse(raw);
    if (!parsed.success) {
      const message = `invalid message from worker: ${describeIssues(parsed.error)}`;
      inst.info.lastError = message;
      this.emit({ type: 'instance.error', id, ts: Date.now(), message, source: 'protocol' });
      return;
    }
    const msg = parsed.data;
    switch (msg.type) {
      case 'ready':
        if (inst.info.state === 'starting') this.setState(inst, 'running', 'ready');
        return;
      case 'telemetry':
        this.emit({ type: 'instance.telemetry', id, ts: Date.now(), event: msg.event });
        return;
      case 'stopped':
        inst.sawStopped = true;
        return;
      case 'error':
        inst.info.lastError = msg.message;
        this.emit({
          type: 'instance.error',
          id,
          ts: Date.now(),
          message: msg.message,
          ...(msg.stack !== undefined ? { stack: msg.stack } : {}),
          source: msg.fatal ? 'app' : 'protocol',
        });
        return;
      case 'metrics':
        inst.heapUsed = msg.heapUsed;
        inst.heapTotal = msg.heapTotal;
        return;
      case 'query.result':
      case 'query.failed': {
        const pending = inst.queries.get(msg.requestId);
        if (pending === undefined) return; // timed out already
        inst.queries.delete(msg.requestId);
        clearTimeout(pending.timer);
        if (msg.type === 'query.result') pending.resolve(msg.answer);
        else pending.reject(new QueryError(id, msg.reason, `instance ${id}: ${msg.message}`));
        return;
      }
    }
  }

  private onExit(inst: Instance, code: number): void {
    inst.worker = null;
    for (const [requestId, pending] of inst.queries) {
      clearTimeout(pending.timer);
      pending.reject(new QueryError(inst.info.id, 'exited', `instance ${inst.info.id} exited (code ${code}) before answering query ${requestId}`));
    }
    inst.queries.clear();
    inst.exited = null;
    if (inst.freezeTimer) clearTimeout(inst.freezeTimer);
    inst.freezeTimer = null;
    inst.info.exitCode = code;
    let to: InstanceState;
    let reason: string;
    if (inst.ending?.state === 'killed') {
      to = 'killed';
      reason = inst.ending.reason;
    } else if (code === 0 && inst.sawStopped) {
      to = 'stopped';
      reason = inst.ending?.reason ?? 'app finished';
    } else {
      to = 'crashed';
      reason = `exit code ${code}${inst.sawStopped ? '' : ' without stopped'}${inst.info.lastError ? `: ${inst.info.lastError}` : ''}`;
    }
    this.setState(inst, to, reason);
    this.emit({ type: 'instance.exit', id: inst.info.id, ts: Date.now(), exitCode: code, state: to, saidStopped: inst.sawStopped });
  }

  private sampleResources(): void {
    for (const inst of this.instances.values()) {
      const w = inst.worker;
      if (!w) continue;
      const now = w.performance.eventLoopUtilization();
      const delta = inst.elu ? w.performance.eventLoopUtilization(now, inst.elu) : now;
      inst.elu = now;
      this.emit({
        type: 'instance.resources',
        id: inst.info.id,
        ts: Date.now(),
        elu: delta.utilization,
        heapUsed: inst.heapUsed,
        heapTotal: inst.heapTotal,
      });
    }
  }
}
