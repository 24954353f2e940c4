// Sends at least 100,000 random and mutated request frames to a live broker over TCP, then
// checks that it still serves a kafkajs round trip, that the fuzzed topic's log still decodes,
// and that the heap did not grow without bound.
import { connect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../protocol/apis.js';
import { encodeRecordBatch } from '../protocol/records/index.js';
import { startBroker, type RunningBroker } from './broker.js';
import { fetchBody, rawFetch, requestFrame } from './testing/raw-client.js';

const TARGET_FRAMES = 100_000;

/** Deterministic PRNG so a failure can be replayed. */
function prng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x1_0000_0000;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(a: readonly T[]) => a[Math.floor(next() * a.length)]! };
}

function collectGarbage(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function seedFrames(): Buffer[] {
  const batch = encodeRecordBatch({ records: [{ key: Buffer.from('k'), value: Buffer.from('fuzz value'), headers: [{ key: 'h', value: Buffer.from('v') }] }] });
  const frames: Buffer[] = [];
  for (let v = 0; v <= 3; v++) frames.push(requestFrame(ApiKey.ApiVersions, v, 1, { clientSoftwareName: 'fuzz', clientSoftwareVersion: '1' }));
  for (let v = 0; v <= 6; v++) frames.push(requestFrame(ApiKey.Metadata, v, 2, { topics: [{ name: 'fuzz' }], allowAutoTopicCreation: false }));
  for (let v = 3; v <= 7; v++) {
    frames.push(requestFrame(ApiKey.Produce, v, 3, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: 'fuzz', partitionData: [{ index: 0, records: batch }] }] }));
  }
  for (let v = 4; v <= 11; v++) frames.push(requestFrame(ApiKey.Fetch, v, 4, fetchBody('fuzz', 0, 0, { maxWaitMs: 0, maxBytes: 4096 })));
  for (let v = 0; v <= 3; v++) {
    frames.push(requestFrame(ApiKey.ListOffsets, v, 5, { replicaId: -1, isolationLevel: 0, topics: [{ name: 'fuzz', partitions: [{ partitionIndex: 0, timestamp: -1, maxNumOffsets: 1 }] }] }));
  }
  frames.push(requestFrame(ApiKey.CreateTopics, 4, 6, { topics: [{ name: 'fuzz-created', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: true }));
  frames.push(requestFrame(ApiKey.DescribeConfigs, 2, 7, { resources: [{ resourceType: 2, resourceName: 'fuzz', configurationKeys: null }], includeSynonyms: true }));
  return frames;
}

/** One fuzzed frame: a seed mutated in one of several ways, or pure noise. */
function fuzzFrame(r: ReturnType<typeof prng>, seeds: Buffer[]): Buffer {
  const kind = r.int(10);
  if (kind === 0) {
    // pure noise with a consistent size prefix
    const body = Buffer.alloc(r.int(120));
    for (let i = 0; i < body.length; i++) body[i] = r.int(256);
    const f = Buffer.alloc(4 + body.length);
    f.writeInt32BE(body.length, 0);
    body.copy(f, 4);
    return f;
  }
  const f = Buffer.from(r.pick(seeds));
  if (kind <= 2) return f; // unmodified: keeps connections alive and state moving
  if (kind <= 6) {
    for (let n = 1 + r.int(4); n > 0; n--) {
      const at = 4 + r.int(f.length - 4);
      f[at] = f[at]! ^ (1 << r.int(8));
    }
    return f;
  }
  if (kind === 7) {
    // truncated body, size prefix adjusted so the frame itself is complete
    const keep = 4 + r.int(f.length - 4);
    const t = f.subarray(0, keep);
    t.writeInt32BE(keep - 4, 0);
    return t;
  }
  if (kind === 8) {
    // random api key / version in an otherwise valid frame
    f.writeInt16BE(r.int(80) - 5, 4);
    f.writeInt16BE(r.int(20) - 2, 6);
    return f;
  }
  // garbage appended inside the frame
  const extra = Buffer.alloc(1 + r.int(40));
  for (let i = 0; i < extra.length; i++) extra[i] = r.int(256);
  const g = Buffer.concat([f, extra]);
  g.writeInt32BE(g.length - 4, 0);
  return g;
}

/** Sends bursts of frames on fresh connections until the broker has seen `target` frames. */
async function fuzzWorker(b: RunningBroker, seed: number, seeds: Buffer[], done: () => boolean): Promise<void> {
  const r = prng(seed);
  while (!done()) {
    const burst = Buffer.concat(Array.from({ length: 1 + r.int(60) }, () => fuzzFrame(r, seeds)));
    await new Promise<void>((resolve) => {
      const s = connect(b.address.port, b.address.host);
      const timer = setTimeout(() => s.destroy(), 2000);
      s.on('data', () => {});
      s.on('error', () => {});
      s.on('close', () => {
        clearTimeout(timer);
        resolve();
      });
      s.end(burst);
    });
  }
}

describe('broker fuzzing', () => {
  let b: RunningBroker;
  const kafka = () => new Kafka({ brokers: [b.bootstrap], clientId: 'fuzz-check', logLevel: logLevel.NOTHING });
  beforeAll(async () => {
    b = await startBroker({ port: 0, dataDir: null, autoCreateTopics: false });
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'fuzz', numPartitions: 1 }] });
    await admin.disconnect();
  });
  afterAll(async () => {
    await b?.close();
  });

  it(`survives ${TARGET_FRAMES} random and mutated frames with bounded memory`, { timeout: 240_000 }, async () => {
    const gc = collectGarbage();
    const seeds = seedFrames();
    const stats = b.broker.stats;
    const done = () => stats.frames >= TARGET_FRAMES;
    // Warm up so that compiled codecs and pools are in the baseline.
    await fuzzWorker(b, 99, seeds, () => stats.frames >= 5_000);
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    await Promise.all([1, 2, 3, 4].map((seed) => fuzzWorker(b, seed, seeds, done)));
    gc();
    const heapAfter = process.memoryUsage().heapUsed;

    expect(stats.frames).toBeGreaterThanOrEqual(TARGET_FRAMES);
    expect(stats.rejected).toBeGreaterThan(1000); // the bad paths really were exercised
    expect(b.broker.describeClients().length).toBeLessThan(5); // no leaked connections
    // The fuzzed topic received real produces, and every stored batch still decodes.
    const fuzzed = await rawFetch(b.address, 'fuzz', 0, 0);
    expect(fuzzed.partition.errorCode).toBe(0);
    expect(fuzzed.partition.highWatermark).toBeGreaterThan(0);
    // Heap growth is bounded: the fuzzed log itself grows a little, nothing else should.
    expect(heapAfter - heapBefore).toBeLessThan(64 * 1024 * 1024);

    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'after-fuzz', numPartitions: 1 }] });
    const producer = kafka().producer();
    await producer.connect();
    await producer.send({ topic: 'after-fuzz', messages: Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    expect(await admin.fetchTopicOffsets('after-fuzz')).toEqual([{ partition: 0, offset: '100', high: '100', low: '0' }]);
    const back = await rawFetch(b.address, 'after-fuzz', 0, 0);
    expect(back.records.map((rec) => rec.value?.toString())).toEqual(Array.from({ length: 100 }, (_, i) => `v${i}`));
    await producer.disconnect();
    await admin.disconnect();
    console.log(`fuzz: ${stats.frames} frames, ${stats.rejected} connections rejected, heap +${((heapAfter - heapBefore) / 1e6).toFixed(1)} MB`);
  });
});
