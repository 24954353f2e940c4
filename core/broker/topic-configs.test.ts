// The config tables and their rules, without a broker: Kafka 4.0's topic-config names, ConfigDef's
// parsing and messages, the synonym wiring between the topic and broker tables, the README's
// account of what is applied, Kafka's HashMap order, and LogValidator's record checks.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../protocol/errors.js';
import { compressionOf, decodeRecordBatch, encodeRecordBatch, readBatchHeader } from '../protocol/records/index.js';
import { BROKER_CONFIGS, brokerConfigDef, brokerConfigSynonyms } from './broker-configs.js';
import { javaStringHash, scalaHashMapOrder, scalaHashMapTableSize } from './config-order.js';
import { recompressBatch, targetCompression } from './recompress.js';
import { validateRecords } from './record-validation.js';
import { logConfigOf, produceLimitsOf, TOPIC_CONFIGS, validateTopicConfigs } from './topic-configs.js';

/** Kafka 4.0's topic configs (docs: "Topic-Level Configs"), alphabetically. */
const KAFKA_4_TOPIC_CONFIGS = [
  'cleanup.policy', 'compression.gzip.level', 'compression.lz4.level', 'compression.type', 'compression.zstd.level',
  'delete.retention.ms', 'file.delete.delay.ms', 'flush.messages', 'flush.ms', 'follower.replication.throttled.replicas',
  'index.interval.bytes', 'leader.replication.throttled.replicas', 'local.retention.bytes', 'local.retention.ms',
  'max.compaction.lag.ms', 'max.message.bytes', 'message.timestamp.after.max.ms', 'message.timestamp.before.max.ms',
  'message.timestamp.type', 'min.cleanable.dirty.ratio', 'min.compaction.lag.ms', 'min.insync.replicas', 'preallocate',
  'remote.log.copy.disable', 'remote.log.delete.on.disable', 'remote.storage.enable', 'retention.bytes', 'retention.ms',
  'segment.bytes', 'segment.index.bytes', 'segment.jitter.ms', 'segment.ms', 'unclean.leader.election.enable',
];

describe('topic config table', () => {
  it("has exactly Kafka 4.0's topic configs; the ones 4.0 removed are unknown", () => {
    expect(TOPIC_CONFIGS.map((d) => d.name).sort()).toEqual(KAFKA_4_TOPIC_CONFIGS);
    for (const removed of ['message.timestamp.difference.max.ms', 'message.format.version', 'message.downconversion.enable']) {
      expect(validateTopicConfigs({ [removed]: '1' })).toBe(`Unknown topic config name: ${removed}`);
    }
  });

  it('accepts every default, and each config alone at its default', () => {
    expect(validateTopicConfigs(Object.fromEntries(TOPIC_CONFIGS.map((d) => [d.name, d.default])))).toBeUndefined();
    for (const d of TOPIC_CONFIGS) expect(validateTopicConfigs({ [d.name]: d.default }), d.name).toBeUndefined();
  });

  it.each([
    [{ 'segment.bytes': '1048575' }, 'Invalid value 1048575 for configuration segment.bytes: Value must be at least 1048576'],
    [{ 'segment.bytes': '2147483648' }, 'Invalid value 2147483648 for configuration segment.bytes: Not a number of type INT'],
    [{ 'retention.ms': '-2' }, 'Invalid value -2 for configuration retention.ms: Value must be at least -1'],
    [{ 'delete.retention.ms': 'soon' }, 'Invalid value soon for configuration delete.retention.ms: Not a number of type LONG'],
    [{ 'cleanup.policy': 'delete,forever' }, 'Invalid value forever for configuration cleanup.policy: String must be one of: compact, delete'],
    [{ preallocate: 'yes' }, 'Invalid value yes for configuration preallocate: Expected value to be either true or false'],
    [{ 'min.cleanable.dirty.ratio': '2' }, 'Invalid value 2.0 for configuration min.cleanable.dirty.ratio: Value must be no more than 1'],
    [{ 'compression.type': 'brotli' }, 'Invalid value brotli for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer'],
    [{ 'compression.gzip.level': '0' }, 'Invalid value 0 for configuration compression.gzip.level: Value must be between 1 and 9 or equal to -1'],
    [{ 'compression.zstd.level': '23' }, 'Invalid value 23 for configuration compression.zstd.level: Value must be no more than 22'],
    [{ 'message.timestamp.type': 'createtime' }, 'Invalid value createtime for configuration message.timestamp.type: String must be one of: CreateTime, LogAppendTime'],
    [
      { 'leader.replication.throttled.replicas': '0:1,x' },
      "Invalid value [0:1, x] for configuration leader.replication.throttled.replicas: leader.replication.throttled.replicas must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...",
    ],
    [{ 'min.compaction.lag.ms': '5000', 'max.compaction.lag.ms': '4000' }, 'conflict topic config setting min.compaction.lag.ms (5000) > max.compaction.lag.ms (4000)'],
    [{ 'remote.storage.enable': 'true' }, 'Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage.'],
    // Values are checked in Kafka's definition order, whatever the request's order.
    [{ 'segment.ms': '0', 'segment.bytes': '1' }, 'Invalid value 1 for configuration segment.bytes: Value must be at least 1048576'],
  ])('refuses %j in Kafka words', (overrides, message) => {
    expect(validateTopicConfigs(overrides)).toBe(message);
  });

  it('parses as ConfigDef does: trimmed, signs, any-case booleans, empty lists, wildcards', () => {
    expect(
      validateTopicConfigs({
        'retention.ms': ' +60000 ',
        preallocate: 'TRUE',
        'cleanup.policy': '',
        'follower.replication.throttled.replicas': '*',
        'leader.replication.throttled.replicas': '0:1, 1:2',
        'min.cleanable.dirty.ratio': '.25',
        'compression.gzip.level': '-1',
        'message.timestamp.before.max.ms': '9223372036854775807',
      }),
    ).toBeUndefined();
    expect(validateTopicConfigs({ 'retention.ms': '9223372036854775808' })).toMatch(/Not a number of type LONG$/);
  });

  it('retention applies only with cleanup.policy delete; the log gets index.interval.bytes', () => {
    expect(logConfigOf({ 'retention.ms': '1000', 'index.interval.bytes': '128' })).toMatchObject({ retentionMs: 1000, indexIntervalBytes: 128 });
    expect(logConfigOf({ 'cleanup.policy': 'compact', 'retention.ms': '1000', 'retention.bytes': '10' })).toMatchObject({
      retentionMs: -1,
      retentionBytes: -1,
    });
    expect(logConfigOf({ 'cleanup.policy': 'compact,delete', 'retention.ms': '1000' })).toMatchObject({ retentionMs: 1000 });
  });

  it("names, for every topic config with a server default, the broker configs of Kafka's synonym table", () => {
    for (const d of TOPIC_CONFIGS) {
      if (d.serverSynonyms.length === 0) continue;
      expect(brokerConfigSynonyms(d.serverSynonyms[0]!), d.name).toEqual(d.serverSynonyms);
      for (const s of d.serverSynonyms) expect(brokerConfigDef(s), `${d.name} → ${s}`).toBeDefined();
    }
    // The broker table's defaults agree with the topic table's (hours converted).
    const ms = (name: string) => Number(brokerConfigDef(name)!.kafkaDefault) * 3_600_000;
    expect(String(ms('log.retention.hours'))).toBe(TOPIC_CONFIGS.find((d) => d.name === 'retention.ms')!.default);
    expect(String(ms('log.roll.hours'))).toBe(TOPIC_CONFIGS.find((d) => d.name === 'segment.ms')!.default);
    for (const d of TOPIC_CONFIGS) {
      const first = d.serverSynonyms[0];
      const bd = first && brokerConfigDef(first);
      if (bd && bd.kafkaDefault !== null) expect(bd.kafkaDefault, d.name).toBe(d.default);
    }
    expect(new Set(BROKER_CONFIGS.map((d) => d.name)).size).toBe(BROKER_CONFIGS.length);
  });

  it('the README says how each config is handled, in the row of its handling', () => {
    const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
    const row = (handling: string) => readme.split('\n').find((l) => l.startsWith(`| ${handling} |`)) ?? '';
    for (const d of TOPIC_CONFIGS) {
      const label = d.handling === 'stored' ? 'stored only' : d.handling;
      expect(row(label), `${d.name} (${d.handling})`).toContain(`\`${d.name}\``);
    }
  });
});

describe("Kafka's DescribeConfigs order (Scala mutable.HashMap iteration)", () => {
  it('hashes strings as java.lang.String.hashCode', () => {
    expect(javaStringHash('')).toBe(0);
    expect(javaStringHash('hello')).toBe(99162322);
    expect(javaStringHash('Aa')).toBe(javaStringHash('BB'));
    // Overflows wrap to a negative int, as in Java.
    expect(javaStringHash('polygenelubricants')).toBe(-2147483648);
  });

  it('grows the table at 3/4 load from 16 slots', () => {
    expect([0, 11, 12, 23, 24, 33, 47, 48].map(scalaHashMapTableSize)).toEqual([16, 16, 32, 32, 64, 64, 64, 128]);
  });

  it('orders by bucket, then by hash within a bucket, equal hashes by insertion', () => {
    // 'a' = 97 → bucket 1, 'b' = 98 → 2, 'c' = 99 → 3, 'q' = 113 → bucket 1 after 'a'.
    expect(scalaHashMapOrder(['q', 'c', 'a', 'b'])).toEqual(['a', 'q', 'b', 'c']);
    expect(scalaHashMapOrder(['BB', 'Aa'])).toEqual(['BB', 'Aa']);
    expect(scalaHashMapOrder(['Aa', 'BB'])).toEqual(['Aa', 'BB']);
    // The same names in a larger table can come in another order: 'q' = 113 moves to bucket 17 at 32 slots.
    expect(scalaHashMapOrder(['b', 'q'])).toEqual(['q', 'b']);
    expect(scalaHashMapOrder(['b', 'q'], 32)).toEqual(['b', 'q']);
    expect(scalaHashMapOrder(['q', 'a', 'r'], 16)).toEqual(['a', 'q', 'r']);
    expect(scalaHashMapOrder(['q', 'a', 'r'], 128)).toEqual(['a', 'q', 'r']);
    expect(scalaHashMapOrder(['a', 'Q'])).toEqual(['Q', 'a']);
  });
});

describe('LogValidator record checks', () => {
  const now = 1_700_000_000_000;
  const batch = (timestamps: (number | undefined)[], opts: { keys?: boolean; compression?: 'gzip' | 'none'; logAppend?: boolean } = {}) => {
    const b = encodeRecordBatch({
      compression: opts.compression ?? 'none',
      ...(opts.logAppend ? { timestampType: 'LogAppendTime' as const } : {}),
      records: timestamps.map((t, i) => ({
        key: opts.keys === false ? null : Buffer.from(`k${i}`),
        value: Buffer.from(`v${i}`),
        ...(t === undefined ? {} : { timestamp: t }),
      })),
    });
    return { b, header: readBatchHeader(b) };
  };
  const limits = (overrides: Record<string, string>) => produceLimitsOf(overrides);

  it('accepts CreateTime records within [now - before, now + after]; after defaults to one hour', () => {
    const { b, header } = batch([now - 3_600_000, now, now + 3_600_000]);
    expect(validateRecords(b, header, limits({}), now, 't-0')).toEqual({ ok: true });
    const late = batch([now, now + 3_600_001]);
    expect(validateRecords(late.b, late.header, limits({}), now, 't-0')).toEqual({
      ok: false,
      errorCode: ErrorCode.INVALID_TIMESTAMP,
      message: 'One or more records have been rejected due to invalid timestamp',
    });
  });

  it('checks every record, also inside a compressed batch, and a negative delta below firstTimestamp', () => {
    const tight = limits({ 'message.timestamp.before.max.ms': '1000' });
    for (const compression of ['none', 'gzip'] as const) {
      // The first record is in range; the second is older (negative timestamp delta).
      const { b, header } = batch([now, now - 5000], { compression });
      expect(validateRecords(b, header, tight, now, 't-0'), compression).toMatchObject({ ok: false, errorCode: ErrorCode.INVALID_TIMESTAMP });
    }
    const { b, header } = batch([now, now - 5000]);
    expect(validateRecords(b, header, limits({ 'message.timestamp.type': 'LogAppendTime', 'message.timestamp.before.max.ms': '1000' }), now, 't-0')).toEqual({ ok: true });
  });

  it('refuses a producer-set LogAppendTime batch on a LogAppendTime topic', () => {
    const { b, header } = batch([now], { logAppend: true });
    expect(validateRecords(b, header, limits({ 'message.timestamp.type': 'LogAppendTime' }), now, 't-0')).toMatchObject({
      ok: false,
      errorCode: ErrorCode.INVALID_TIMESTAMP,
    });
  });

  it('refuses keyless records on a compacted topic, naming up to three', () => {
    const { b, header } = batch([now, now, now, now], { keys: false });
    const res = validateRecords(b, header, limits({ 'cleanup.policy': 'compact' }), now, 'c-0');
    expect(res).toMatchObject({ ok: false, errorCode: ErrorCode.INVALID_RECORD });
    const message = (res as { message: string }).message;
    expect(message).toMatch(/^One or more records have been rejected due to 4 record errors in total, and only showing the first three errors at most: /);
    expect(message.match(/Compacted topic cannot accept message without key in topic partition c-0/g)).toHaveLength(3);
    const keyed = batch([now]);
    expect(validateRecords(keyed.b, keyed.header, limits({ 'cleanup.policy': 'compact' }), now, 'c-0')).toEqual({ ok: true });
  });
});

describe('compression.type', () => {
  it('picks the topic codec unless it is producer', () => {
    expect(targetCompression('producer', 'lz4')).toBe('lz4');
    expect(targetCompression('uncompressed', 'zstd')).toBe('none');
    expect(targetCompression('gzip', 'none')).toBe('gzip');
  });

  it('re-encodes a batch keeping producer id, epoch, sequence, transactional flag, timestamps, keys, values and headers', () => {
    const original = encodeRecordBatch({
      compression: 'snappy',
      producerId: 42,
      producerEpoch: 3,
      baseSequence: 17,
      transactional: true,
      records: [
        { key: Buffer.from('a'), value: Buffer.from('1'), timestamp: 2000, headers: [{ key: 'h', value: Buffer.from('x') }] },
        { key: null, value: null, timestamp: 1000 },
      ],
    });
    const again = recompressBatch(original, 'zstd');
    const before = decodeRecordBatch(original);
    const after = decodeRecordBatch(again);
    expect(compressionOf(after.header.attributes)).toBe('zstd');
    const keep = (h: typeof before.header) => [h.producerId, h.producerEpoch, h.baseSequence, h.lastOffsetDelta, h.firstTimestamp, h.maxTimestamp, h.attributes & ~0x07];
    expect(keep(after.header)).toEqual(keep(before.header));
    expect(after.records).toEqual(before.records);
    expect(recompressBatch(original, 'snappy')).toBe(original);
  });
});
