// The cluster monitor of the current connection: one per connection, started after connecting and
// stopped before its clients go. It is fed the real generations that hosted instances (and the
// embedded coordinator) report, and asks the hosted instances which member is which.
import { errorText } from '../errors.js';
import type { MonitorFactory, MonitorHandle } from '../monitor-seam.js';
import type { Connection } from './connection.js';
import type { Publisher } from './events.js';

export interface MonitoringOptions {
  /** null runs without a monitor. */
  factory: MonitorFactory | null;
  intervalMs: number;
  /** Events of a monitor whose connection is no longer the current one are dropped. */
  isCurrent: (conn: Connection) => boolean;
  /** The hosted instance a group member's client id belongs to, or null. */
  memberInstance: (clientId: string) => string | null;
  /** Groups whose consumers read read_committed (hosted exactly-once apps). */
  readCommitted: (groupId: string) => boolean;
  /** Groups worth showing. */
  groupFilter: (groupId: string) => boolean;
}

export class Monitoring {
  readonly #events: Publisher;
  readonly #options: MonitoringOptions;
  #monitor: MonitorHandle | null = null;

  constructor(events: Publisher, options: MonitoringOptions) {
    this.#events = events;
    this.#options = options;
  }

  /** Starts a monitor for the connection; a failure to start is an error event, not a failed connect. */
  async start(conn: Connection): Promise<void> {
    const factory = this.#options.factory;
    if (factory === null) return;
    try {
      this.#monitor = factory({
        kafka: conn.kafka,
        bootstrap: conn.bootstrap,
        profile: conn.profile,
        intervalMs: this.#options.intervalMs,
        emit: (e) => {
          if (this.#options.isCurrent(conn)) this.#events.publish(e);
        },
        embedded: conn.embedded,
        memberInstance: this.#options.memberInstance,
        readCommitted: this.#options.readCommitted,
        groupFilter: this.#options.groupFilter,
      });
      await this.#monitor.start();
    } catch (error) {
      this.#events.publish({ type: 'error', source: 'monitor', message: `the cluster monitor did not start: ${errorText(error)}` });
    }
  }

  async stop(): Promise<void> {
    const monitor = this.#monitor;
    this.#monitor = null;
    try {
      await monitor?.stop();
    } catch (error) {
      this.#events.publish({ type: 'error', source: 'monitor', message: `stopping the cluster monitor failed: ${errorText(error)}` });
    }
  }

  /** A generation a hosted instance or the embedded coordinator observed. */
  noteGeneration(groupId: string, generation: number): void {
    this.#monitor?.noteGeneration(groupId, generation);
  }
}
