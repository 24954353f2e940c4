// Every topic-level config of Apache Kafka 4.0, as a table in Kafka's definition order (LogConfig's
// ConfigDef): name, type, default, validation, the broker configs that supply the default
// (ServerTopicConfigSynonyms + DynamicBrokerConfig.brokerConfigSynonyms), and whether this broker
// honours the setting or only stores and describes it. CreateTopics, AlterConfigs,
// DescribeConfigs, Produce and the log all read it; values are parsed and checked the way Kafka's
// ConfigDef does, so a bad value gets Kafka's INVALID_CONFIG message.
import type { LogConfig } from './log/index.js';

export type ConfigType = 'boolean' | 'string' | 'int' | 'short' | 'long' | 'double' | 'list' | 'class' | 'password';

/** A value as Kafka's ConfigDef.parseType produces it: integers as bigint (longs exceed 2^53). */
export type ParsedValue = boolean | string | bigint | number | readonly string[];

/** How far the embedded broker acts on a topic config (see core/broker/README.md). */
export type Handling = 'applied' | 'partly' | 'stored';

export interface ConfigDef {
  readonly name: string;
  readonly type: ConfigType;
  /** Kafka's default, as DescribeConfigs shows it (ConfigDef.convertToString). */
  readonly default: string;
  /**
   * The broker configs this one defaults from, highest priority first; [] when Kafka has none
   * (LogConfig.CONFIGS_WITH_NO_SERVER_DEFAULTS).
   */
  readonly serverSynonyms: readonly string[];
  readonly handling: Handling;
  /** What the embedded broker does with it. */
  readonly doc: string;
  /** The validator: a complaint about a parsed value, in Kafka's words. */
  readonly validate?: (value: ParsedValue) => Complaint | undefined;
}

const INT_MIN = -(2n ** 31n);
const INT_MAX = 2n ** 31n - 1n;
const SHORT_MIN = -(2n ** 15n);
const SHORT_MAX = 2n ** 15n - 1n;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
export const LONG_MAX_STRING = LONG_MAX.toString();

/** Java's Double.toString for the values configs take (whole numbers print with ".0"). */
function javaDouble(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (!Number.isFinite(d)) return d > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(d) && Math.abs(d) < 1e7) return d.toFixed(1);
  return String(d);
}

/** How Kafka prints a parsed value inside a ConfigException (Object.toString). */
export function javaToString(v: ParsedValue): string {
  if (Array.isArray(v)) return `[${v.join(', ')}]`;
  if (typeof v === 'number') return javaDouble(v);
  return String(v);
}

/** ConfigDef.convertToString: how DescribeConfigs shows a parsed value. */
export function convertToString(v: ParsedValue): string {
  if (Array.isArray(v)) return v.join(',');
  return javaToString(v);
}

type Parsed = { ok: true; value: ParsedValue } | { ok: false; message: string };

function configError(name: string, shown: string, message: string): string {
  return `Invalid value ${shown} for configuration ${name}: ${message}`;
}

/** ConfigDef.parseType for a string value. */
export function parseConfigValue(name: string, type: ConfigType, raw: string): Parsed {
  const trimmed = raw.trim();
  const notANumber = { ok: false as const, message: configError(name, raw, `Not a number of type ${type.toUpperCase()}`) };
  const integer = (min: bigint, max: bigint): Parsed => {
    // Integer/Long/Short.parseX: an optional sign and decimal digits, within range.
    if (!/^[+-]?\d+$/.test(trimmed)) return notANumber;
    const n = BigInt(trimmed);
    return n < min || n > max ? notANumber : { ok: true, value: n };
  };
  switch (type) {
    case 'boolean': {
      const lower = trimmed.toLowerCase();
      if (lower === 'true' || lower === 'false') return { ok: true, value: lower === 'true' };
      return { ok: false, message: configError(name, raw, 'Expected value to be either true or false') };
    }
    case 'int':
      return integer(INT_MIN, INT_MAX);
    case 'short':
      return integer(SHORT_MIN, SHORT_MAX);
    case 'long':
      return integer(LONG_MIN, LONG_MAX);
    case 'double': {
      // Double.parseDouble's decimal forms (no hex floats), plus NaN and Infinity.
      if (!/^[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?)$/.test(trimmed)) return notANumber;
      return { ok: true, value: Number(trimmed.replace(/[fFdD]$/, '')) };
    }
    case 'list':
      // COMMA_WITH_WHITESPACE.split(trimmed, -1): empty elements are kept.
      return { ok: true, value: trimmed === '' ? [] : trimmed.split(/\s*,\s*/) };
    default:
      return { ok: true, value: trimmed };
  }
}

// Validators, with the messages of Kafka's ConfigDef.Range / ValidString / ValidList and friends.
/** A validator's complaint; `shown` replaces the value in the message (ValidList names the element). */
export interface Complaint {
  readonly message: string;
  readonly shown?: string;
}
type Validator = (value: ParsedValue) => Complaint | undefined;

const atLeast = (min: bigint | number): Validator => (v) =>
  (typeof v === 'bigint' || typeof v === 'number') && v < min ? { message: `Value must be at least ${min}` } : undefined;
const between = (min: bigint | number, max: bigint | number): Validator => (v) => {
  if (typeof v !== 'bigint' && typeof v !== 'number') return undefined;
  if (v < min) return { message: `Value must be at least ${min}` };
  if (v > max) return { message: `Value must be no more than ${max}` };
  return undefined;
};
const oneOf = (allowed: readonly string[]) => `String must be one of: ${allowed.join(', ')}`;
const stringIn = (...allowed: string[]): Validator => (v) =>
  typeof v === 'string' && !allowed.includes(v) ? { message: oneOf(allowed) } : undefined;
/** ValidList.in checks element by element and names the offending element, not the list. */
const listIn = (...allowed: string[]): Validator => (v) => {
  const bad = Array.isArray(v) ? (v as readonly string[]).find((e) => !allowed.includes(e)) : undefined;
  return bad === undefined ? undefined : { message: oneOf(allowed), shown: bad };
};
/** GzipCompression's level validator: 1..9, or -1 (Deflater.DEFAULT_COMPRESSION). */
const gzipLevel: Validator = (v) =>
  typeof v === 'bigint' && (v > 9n || (v < 1n && v !== -1n)) ? { message: 'Value must be between 1 and 9 or equal to -1' } : undefined;
/** ThrottledReplicaListValidator. */
const throttledReplicas = (name: string): Validator => (v) => {
  if (!Array.isArray(v)) return undefined;
  const proposed = (v as readonly string[]).map((e) => e.trim());
  if (proposed.every((e) => /^(\d+:\d+)?$/.test(e)) || proposed.join('') === '*') return undefined;
  return {
    message: `${name} must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...`,
  };
};

const LEADER_THROTTLED = 'leader.replication.throttled.replicas';
const FOLLOWER_THROTTLED = 'follower.replication.throttled.replicas';

/** Kafka 4.0's LogConfig, in definition order (which is also the order values are checked in). */
export const TOPIC_CONFIGS: readonly ConfigDef[] = [
  { name: 'segment.bytes', type: 'int', default: '1073741824', serverSynonyms: ['log.segment.bytes'], handling: 'applied',
    doc: 'a segment is rolled before it would exceed this size', validate: atLeast(1048576n) },
  { name: 'segment.ms', type: 'long', default: '604800000', serverSynonyms: ['log.roll.ms', 'log.roll.hours'], handling: 'applied',
    doc: 'a segment is rolled once its first batch is this old', validate: atLeast(1n) },
  { name: 'segment.jitter.ms', type: 'long', default: '0', serverSynonyms: ['log.roll.jitter.ms', 'log.roll.jitter.hours'], handling: 'stored',
    doc: 'no jitter: segments roll exactly at segment.ms', validate: atLeast(0n) },
  { name: 'segment.index.bytes', type: 'int', default: '10485760', serverSynonyms: ['log.index.size.max.bytes'], handling: 'stored',
    doc: 'the offset index grows as needed; segments are not rolled on a full index', validate: atLeast(4n) },
  { name: 'flush.messages', type: 'long', default: LONG_MAX_STRING, serverSynonyms: ['log.flush.interval.messages'], handling: 'stored',
    doc: 'fsync follows the broker-wide flush policy (BrokerOptions.flush), not per topic', validate: atLeast(1n) },
  { name: 'flush.ms', type: 'long', default: LONG_MAX_STRING, serverSynonyms: ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'], handling: 'stored',
    doc: 'fsync follows the broker-wide flush policy (BrokerOptions.flush), not per topic', validate: atLeast(0n) },
  { name: 'retention.bytes', type: 'long', default: '-1', serverSynonyms: ['log.retention.bytes'], handling: 'applied',
    doc: 'with cleanup.policy delete: oldest segments go while the partition is above this size; -1 = no limit' },
  { name: 'retention.ms', type: 'long', default: '604800000', serverSynonyms: ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'], handling: 'applied',
    doc: 'with cleanup.policy delete: segments whose newest record is older go; -1 = forever', validate: atLeast(-1n) },
  { name: 'max.message.bytes', type: 'int', default: '1048588', serverSynonyms: ['message.max.bytes'], handling: 'applied',
    doc: 'a larger produced batch is MESSAGE_TOO_LARGE', validate: atLeast(0n) },
  { name: 'index.interval.bytes', type: 'int', default: '4096', serverSynonyms: ['log.index.interval.bytes'], handling: 'applied',
    doc: 'bytes between offset-index entries', validate: atLeast(0n) },
  { name: 'delete.retention.ms', type: 'long', default: '86400000', serverSynonyms: ['log.cleaner.delete.retention.ms'], handling: 'stored',
    doc: 'no log cleaner: tombstones are never removed', validate: atLeast(0n) },
  { name: 'min.compaction.lag.ms', type: 'long', default: '0', serverSynonyms: ['log.cleaner.min.compaction.lag.ms'], handling: 'stored',
    doc: 'no log cleaner (checked against max.compaction.lag.ms as Kafka does)', validate: atLeast(0n) },
  { name: 'max.compaction.lag.ms', type: 'long', default: LONG_MAX_STRING, serverSynonyms: ['log.cleaner.max.compaction.lag.ms'], handling: 'stored',
    doc: 'no log cleaner', validate: atLeast(1n) },
  { name: 'file.delete.delay.ms', type: 'long', default: '60000', serverSynonyms: ['log.segment.delete.delay.ms'], handling: 'stored',
    doc: 'deleted segments are removed at once', validate: atLeast(0n) },
  { name: 'min.cleanable.dirty.ratio', type: 'double', default: '0.5', serverSynonyms: ['log.cleaner.min.cleanable.ratio'], handling: 'stored',
    doc: 'no log cleaner', validate: between(0, 1) },
  { name: 'cleanup.policy', type: 'list', default: 'delete', serverSynonyms: ['log.cleanup.policy'], handling: 'partly',
    doc: 'without delete, retention never removes segments; with compact, keyless records are INVALID_RECORD and DeleteRecords is refused; but nothing is compacted (no log cleaner)',
    validate: listIn('compact', 'delete') },
  { name: 'unclean.leader.election.enable', type: 'boolean', default: 'false', serverSynonyms: ['unclean.leader.election.enable'], handling: 'stored',
    doc: 'one replica per partition: there is no election' },
  { name: 'min.insync.replicas', type: 'int', default: '1', serverSynonyms: ['min.insync.replicas'], handling: 'applied',
    doc: 'the ISR is the one replica: above 1, acks=all produce is NOT_ENOUGH_REPLICAS', validate: atLeast(1n) },
  { name: 'compression.type', type: 'string', default: 'producer', serverSynonyms: ['compression.type'], handling: 'applied',
    doc: 'a codec (or uncompressed) re-encodes produced batches in it; producer keeps theirs',
    validate: stringIn('uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer') },
  { name: 'compression.gzip.level', type: 'int', default: '-1', serverSynonyms: ['compression.gzip.level'], handling: 'stored',
    doc: 'recompression uses the codec\'s default level', validate: gzipLevel },
  { name: 'compression.lz4.level', type: 'int', default: '9', serverSynonyms: ['compression.lz4.level'], handling: 'stored',
    doc: 'recompression uses the codec\'s default level', validate: between(1n, 17n) },
  { name: 'compression.zstd.level', type: 'int', default: '3', serverSynonyms: ['compression.zstd.level'], handling: 'stored',
    doc: 'recompression uses the codec\'s default level', validate: between(-131072n, 22n) },
  { name: 'preallocate', type: 'boolean', default: 'false', serverSynonyms: ['log.preallocate'], handling: 'stored',
    doc: 'segment files grow as written' },
  { name: 'message.timestamp.type', type: 'string', default: 'CreateTime', serverSynonyms: ['log.message.timestamp.type'], handling: 'applied',
    doc: 'LogAppendTime stamps each produced batch with the broker time', validate: stringIn('CreateTime', 'LogAppendTime') },
  { name: 'message.timestamp.before.max.ms', type: 'long', default: LONG_MAX_STRING, serverSynonyms: ['log.message.timestamp.before.max.ms'], handling: 'applied',
    doc: 'CreateTime: a record older than now minus this is INVALID_TIMESTAMP', validate: atLeast(0n) },
  { name: 'message.timestamp.after.max.ms', type: 'long', default: '3600000', serverSynonyms: ['log.message.timestamp.after.max.ms'], handling: 'applied',
    doc: 'CreateTime: a record newer than now plus this is INVALID_TIMESTAMP', validate: atLeast(0n) },
  { name: LEADER_THROTTLED, type: 'list', default: '', serverSynonyms: [], handling: 'stored',
    doc: 'no replication, no throttling', validate: throttledReplicas(LEADER_THROTTLED) },
  { name: FOLLOWER_THROTTLED, type: 'list', default: '', serverSynonyms: [], handling: 'stored',
    doc: 'no replication, no throttling', validate: throttledReplicas(FOLLOWER_THROTTLED) },
  { name: 'remote.storage.enable', type: 'boolean', default: 'false', serverSynonyms: [], handling: 'stored',
    doc: 'no tiered storage: true is refused, as by a Kafka broker without remote.log.storage.system.enable' },
  { name: 'local.retention.ms', type: 'long', default: '-2', serverSynonyms: ['log.local.retention.ms'], handling: 'stored',
    doc: 'no tiered storage', validate: atLeast(-2n) },
  { name: 'local.retention.bytes', type: 'long', default: '-2', serverSynonyms: ['log.local.retention.bytes'], handling: 'stored',
    doc: 'no tiered storage', validate: atLeast(-2n) },
  { name: 'remote.log.copy.disable', type: 'boolean', default: 'false', serverSynonyms: [], handling: 'stored', doc: 'no tiered storage' },
  { name: 'remote.log.delete.on.disable', type: 'boolean', default: 'false', serverSynonyms: [], handling: 'stored', doc: 'no tiered storage' },
];

const byName = new Map(TOPIC_CONFIGS.map((d) => [d.name, d]));

export function configDef(name: string): ConfigDef | undefined {
  return byName.get(name);
}

/** A value's problem in Kafka's words (parse, then the validator), or undefined. */
function valueProblem(def: ConfigDef, raw: string): string | undefined {
  const parsed = parseConfigValue(def.name, def.type, raw);
  if (!parsed.ok) return parsed.message;
  const complaint = def.validate?.(parsed.value);
  if (!complaint) return undefined;
  return configError(def.name, complaint.shown ?? javaToString(parsed.value), complaint.message);
}

/**
 * Checks a topic's complete set of overrides as Kafka's LogConfig.validate does (KRaft controller):
 * unknown names first, then every value in definition order, then the cross-config rules.
 * Returns the first problem in Kafka's words (all INVALID_CONFIG), or undefined.
 */
export function validateTopicConfigs(overrides: Record<string, string | null>): string | undefined {
  for (const name of Object.keys(overrides)) {
    if (!byName.has(name)) return `Unknown topic config name: ${name}`;
  }
  for (const def of TOPIC_CONFIGS) {
    const raw = overrides[def.name];
    if (raw === undefined || raw === null) continue;
    const problem = valueProblem(def, raw);
    if (problem) return problem;
  }
  const value = (name: string) => parsedConfig(overrides, name);
  const minLag = value('min.compaction.lag.ms') as bigint;
  const maxLag = value('max.compaction.lag.ms') as bigint;
  if (minLag > maxLag) return `conflict topic config setting min.compaction.lag.ms (${minLag}) > max.compaction.lag.ms (${maxLag})`;
  if (value('remote.storage.enable') === true) {
    return 'Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage.';
  }
  return undefined;
}

/**
 * A config's parsed value: the override if any, else Kafka's default. Overrides were validated when
 * set; one that no longer parses (a catalogue written by another version) counts as unset.
 */
function parsedConfig(overrides: Record<string, string | null>, name: string): ParsedValue {
  const def = byName.get(name)!;
  const raw = overrides[name];
  const parsed = raw === undefined || raw === null ? undefined : parseConfigValue(name, def.type, raw);
  if (parsed?.ok) return parsed.value;
  const fallback = parseConfigValue(name, def.type, def.default);
  if (!fallback.ok) throw new Error(`default of ${name} does not parse: ${fallback.message}`);
  return fallback.value;
}

/** How DescribeConfigs shows a stored value (trimmed, "TRUE" → "true", list spacing removed). */
export function describedValue(name: string, raw: string): string {
  const def = byName.get(name);
  if (!def) return raw;
  const parsed = parseConfigValue(name, def.type, raw);
  return parsed.ok ? convertToString(parsed.value) : raw;
}

/** Every config's value in effect: the override, else Kafka's default (as DescribeConfigs shows them). */
export function effectiveConfig(overrides: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of TOPIC_CONFIGS) out[d.name] = describedValue(d.name, overrides[d.name] ?? d.default);
  return out;
}

const num = (v: ParsedValue) => Number(v as bigint);

export function logConfigOf(overrides: Record<string, string>): LogConfig {
  const get = (name: string) => parsedConfig(overrides, name);
  // UnifiedLog.deleteOldSegments: retention by time and size only for cleanup.policy "delete".
  const deletes = (get('cleanup.policy') as readonly string[]).map((p) => p.toLowerCase()).includes('delete');
  return {
    segmentBytes: num(get('segment.bytes')),
    segmentMs: num(get('segment.ms')),
    retentionMs: deletes ? num(get('retention.ms')) : -1,
    retentionBytes: deletes ? num(get('retention.bytes')) : -1,
    indexIntervalBytes: num(get('index.interval.bytes')),
  };
}

/** What Produce checks against (LogValidator, Partition.appendRecordsToLeader). */
export interface ProduceLimits {
  maxMessageBytes: number;
  timestampType: 'CreateTime' | 'LogAppendTime';
  /** Long.MAX_VALUE becomes a float just above it: comparisons with real times are unaffected. */
  timestampBeforeMaxMs: number;
  timestampAfterMaxMs: number;
  minInsyncReplicas: number;
  compacted: boolean;
  /** compression.type: producer, uncompressed or a codec. */
  compressionType: string;
}

export function produceLimitsOf(overrides: Record<string, string>): ProduceLimits {
  const get = (name: string) => parsedConfig(overrides, name);
  return {
    maxMessageBytes: num(get('max.message.bytes')),
    timestampType: get('message.timestamp.type') as 'CreateTime' | 'LogAppendTime',
    timestampBeforeMaxMs: num(get('message.timestamp.before.max.ms')),
    timestampAfterMaxMs: num(get('message.timestamp.after.max.ms')),
    minInsyncReplicas: num(get('min.insync.replicas')),
    compacted: (get('cleanup.policy') as readonly string[]).map((p) => p.toLowerCase()).includes('compact'),
    compressionType: get('compression.type') as string,
  };
}
