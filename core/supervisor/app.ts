/**
 * The contract between the supervisor's generic worker and an app module.
 * An app module exports `run(ctx)`; it returns (or resolves) when the app is done,
 * and must return soon after `ctx.signal` aborts (graceful stop).
 */
import type { QueryFailure, StoreQuery, StoreQueryAnswer } from './protocol.js';

/** An app's answer to an interactive query, or why it cannot give one. */
export type QueryReply = { answer: StoreQueryAnswer } | { reason: QueryFailure; message: string };
export type QueryHandler = (query: StoreQuery) => QueryReply;

export interface InstanceContext<Config = unknown, Event = unknown> {
  /** The config passed to `Supervisor.start`, as received (structured-cloned). */
  readonly config: Config;
  /** Publish one of the app's own telemetry events; relayed as `instance.telemetry`. */
  emit(event: Event): void;
  /** Aborted when the supervisor asks for a graceful stop. */
  readonly signal: AbortSignal;
  /** How the stop asked for wants the app to close: leave its consumer group, or remain in it. */
  stopOptions(): { leaveGroup: boolean };
  /**
   * This instance's own state directory (Kafka Streams' state.dir): the same path on every
   * restart of the instance, so persistent stores and checkpoints survive it.
   */
  readonly stateDir: string;
  /** Current injected per-record delay in ms (0 = none); the app should sleep this long per record. */
  delayPerRecord(): number;
  /**
   * Answer the supervisor's interactive queries with this handler (one per instance; the last
   * one set wins). It runs on the worker's event loop between the app's own work, so it reads the
   * stores as they are at that moment. An app that sets none answers every query 'no-queries'.
   */
  serveQueries(handler: QueryHandler | null): void;
}

export interface InstanceApp<Config = unknown, Event = unknown> {
  run(ctx: InstanceContext<Config, Event>): Promise<void> | void;
}
