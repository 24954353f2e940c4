// The kafkajs client the monitor should be given. kafkajs's defaults (5 retries with back-off
// up to 30 s, 30 s requests) would keep one poll of an unreachable cluster busy for minutes; the
// monitor retries on its own schedule, so each attempt should fail fast.
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import '../kafkajs-fixes.js';

export const MONITOR_CONNECTION_TIMEOUT_MS = 3000;
export const MONITOR_REQUEST_TIMEOUT_MS = 10_000;

export function createMonitorKafka(opts: {
  brokers: string[];
  clientId?: string;
  ssl?: KafkaConfig['ssl'];
  sasl?: KafkaConfig['sasl'];
}): Kafka {
  return new Kafka({
    brokers: opts.brokers,
    clientId: opts.clientId ?? 'streamwatch-monitor',
    ...(opts.ssl !== undefined ? { ssl: opts.ssl } : {}),
    ...(opts.sasl !== undefined ? { sasl: opts.sasl } : {}),
    connectionTimeout: MONITOR_CONNECTION_TIMEOUT_MS,
    requestTimeout: MONITOR_REQUEST_TIMEOUT_MS,
    retry: { retries: 1, initialRetryTime: 200, maxRetryTime: 1000 },
    logLevel: logLevel.NOTHING,
  });
}
