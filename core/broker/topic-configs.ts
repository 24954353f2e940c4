// Topic-level configs the embedded broker understands, as a table: name, type, default,
// how to check a value. DescribeConfigs, AlterConfigs, CreateTopics and the log all read it.
import type { LogConfig } from './log/index.js';

export type ConfigType = 'long' | 'int' | 'string' | 'list' | 'boolean';

export interface ConfigDef {
  readonly name: string;
  readonly type: ConfigType;
  readonly default: string;
  /** The broker-wide setting that supplies the default (shown as a synonym, like Kafka). */
  readonly brokerKey: string;
  readonly doc: string;
  /** Returns an error message for a bad value. */
  readonly validate?: (value: string) => string | undefined;
}

const intAtLeast = (min: number, max = Number.MAX_SAFE_INTEGER) => (v: string) =>
  /^-?\d+$/.test(v) && Number(v) >= min && Number(v) <= max ? undefined : `must be an integer from ${min} to ${max}`;
const INT32_MAX = 2147483647;
const oneOf = (...allowed: string[]) => (v: string) =>
  allowed.includes(v) ? undefined : `must be one of ${allowed.join(', ')}`;

export const TOPIC_CONFIGS: readonly ConfigDef[] = [
  { name: 'cleanup.policy', type: 'list', default: 'delete', brokerKey: 'log.cleanup.policy', doc: 'delete and/or compact',
    validate: (v) => v.split(',').every((p) => ['delete', 'compact'].includes(p.trim())) ? undefined : 'must be delete, compact or both' },
  { name: 'retention.ms', type: 'long', default: '604800000', brokerKey: 'log.retention.ms', doc: 'age after which segments are deleted; -1 = forever', validate: intAtLeast(-1) },
  { name: 'retention.bytes', type: 'long', default: '-1', brokerKey: 'log.retention.bytes', doc: 'size after which old segments are deleted; -1 = unlimited', validate: intAtLeast(-1) },
  { name: 'segment.bytes', type: 'int', default: '1073741824', brokerKey: 'log.segment.bytes', doc: 'segment file size', validate: intAtLeast(14, INT32_MAX) },
  { name: 'segment.ms', type: 'long', default: '604800000', brokerKey: 'log.roll.ms', doc: 'roll a segment after this long', validate: intAtLeast(1) },
  { name: 'max.message.bytes', type: 'int', default: '1048588', brokerKey: 'message.max.bytes', doc: 'largest record batch accepted', validate: intAtLeast(0, INT32_MAX) },
  { name: 'message.timestamp.type', type: 'string', default: 'CreateTime', brokerKey: 'log.message.timestamp.type', doc: 'CreateTime or LogAppendTime', validate: oneOf('CreateTime', 'LogAppendTime') },
  { name: 'min.insync.replicas', type: 'int', default: '1', brokerKey: 'min.insync.replicas', doc: 'single node: always 1', validate: intAtLeast(1, INT32_MAX) },
  { name: 'compression.type', type: 'string', default: 'producer', brokerKey: 'compression.type', doc: 'batches are stored as the producer compressed them', validate: oneOf('producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd') },
];

const byName = new Map(TOPIC_CONFIGS.map((d) => [d.name, d]));

export function configDef(name: string): ConfigDef | undefined {
  return byName.get(name);
}

/** Checks a set of overrides; returns the first problem in Kafka's words, or undefined. */
export function validateTopicConfigs(overrides: Record<string, string | null>): string | undefined {
  for (const [name, value] of Object.entries(overrides)) {
    const def = byName.get(name);
    if (!def) return `Unknown topic config name: ${name}`;
    if (value === null) continue;
    const problem = def.validate?.(value);
    if (problem) return `Invalid value ${value} for configuration ${name}: ${problem}`;
  }
  return undefined;
}

export function effectiveConfig(overrides: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of TOPIC_CONFIGS) out[d.name] = overrides[d.name] ?? d.default;
  return out;
}

export function logConfigOf(overrides: Record<string, string>): LogConfig {
  const c = effectiveConfig(overrides);
  return {
    segmentBytes: Number(c['segment.bytes']),
    segmentMs: Number(c['segment.ms']),
    retentionMs: Number(c['retention.ms']),
    retentionBytes: Number(c['retention.bytes']),
  };
}
