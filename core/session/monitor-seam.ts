// The seam between the session and core/monitor's ClusterMonitor: what the session needs of a
// monitor, and the factory it uses by default. The session starts one monitor per connection
// and feeds it the real generations its hosted instances report.
import type { Kafka } from 'kafkajs';
import type { SessionEventInput } from './api.js';

export interface MonitorOptions {
  kafka: Kafka;
  bootstrap: string;
  intervalMs: number;
  /** The monitor publishes cluster.status, group.snapshot, group.rebalance and txn.snapshot here. */
  emit: (event: SessionEventInput) => void;
  /** The connected cluster is the embedded one. */
  embedded?: boolean;
  /** The hosted instance a group member's client id belongs to, or null. */
  memberInstance?: (clientId: string) => string | null;
}

export interface MonitorHandle {
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
  /** A generation a hosted instance observed (DescribeGroups has none). */
  noteGeneration(groupId: string, generation: number): void;
}

export type MonitorFactory = (options: MonitorOptions) => MonitorHandle;

/**
 * SEAM: core/monitor has not landed yet. Until it does the session runs without a monitor (no
 * group.snapshot / group.rebalance / txn.snapshot events; cluster.status only on connect and
 * disconnect). When it lands this becomes:
 *   import { ClusterMonitor } from '../monitor/index.js';
 *   export const defaultMonitorFactory: MonitorFactory | null = (o) => new ClusterMonitor(o);
 */
export const defaultMonitorFactory: MonitorFactory | null = null;
