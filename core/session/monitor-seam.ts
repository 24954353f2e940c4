// The seam between the session and core/monitor's ClusterMonitor: what the session needs of a
// monitor, and the factory it uses by default. The session starts one monitor per connection
// and feeds it the real generations its hosted instances (and the embedded coordinator) report.
import type { Kafka, SASLOptions } from 'kafkajs';
import type { ConnectionProfile, SessionEventInput } from './api.js';
import { ClusterMonitor, createMonitorKafka } from '../monitor/index.js';

export interface MonitorOptions {
  /** The session's client for the cluster (longer timeouts; a monitor may make its own). */
  kafka: Kafka;
  /** host:port list, comma-separated. */
  bootstrap: string;
  /** The profile connected: brokers, TLS, SASL. */
  profile: ConnectionProfile;
  intervalMs: number;
  /** The monitor publishes cluster.status, group.snapshot, group.rebalance and txn.snapshot here. */
  emit: (event: SessionEventInput) => void;
  /** The connected cluster is the embedded one. */
  embedded?: boolean;
  /** The hosted instance a group member's client id belongs to, or null. */
  memberInstance?: (clientId: string) => string | null;
  /** Groups whose consumers read read_committed (hosted exactly-once apps). */
  readCommitted?: (groupId: string) => boolean;
  /** Groups worth showing (the console's own throwaway reader groups are not). */
  groupFilter?: (groupId: string) => boolean;
}

export interface MonitorHandle {
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
  /** A generation a hosted instance observed (DescribeGroups has none). */
  noteGeneration(groupId: string, generation: number): void;
}

export type MonitorFactory = (options: MonitorOptions) => MonitorHandle;

/** core/monitor's ClusterMonitor, with its own fail-fast kafkajs client for the profile. */
export const defaultMonitorFactory: MonitorFactory = (o) => {
  const sasl = o.profile.sasl === null ? undefined : ({ mechanism: o.profile.sasl.mechanism, username: o.profile.sasl.username, password: o.profile.sasl.password } as SASLOptions);
  return new ClusterMonitor({
    kafka: createMonitorKafka({ brokers: o.profile.bootstrapServers, ...(o.profile.ssl ? { ssl: true } : {}), ...(sasl ? { sasl } : {}) }),
    bootstrap: o.profile.bootstrapServers,
    intervalMs: o.intervalMs,
    emit: o.emit,
    ...(o.embedded !== undefined ? { embedded: o.embedded } : {}),
    ...(o.memberInstance ? { memberInstance: o.memberInstance } : {}),
    ...(o.readCommitted ? { readCommitted: o.readCommitted } : {}),
    ...(o.groupFilter ? { groupFilter: o.groupFilter } : {}),
    ssl: o.profile.ssl,
    sasl: o.profile.sasl,
  });
};
