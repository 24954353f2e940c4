import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../protocol/apis.js';
import { ErrorCode } from '../../protocol/errors.js';
import { encodeRecordBatch } from '../../protocol/records/index.js';
import type { InitProducerIdResponse, ProduceResponse } from '../../protocol/schema/generated/index.js';
import { startBroker, type RunningBroker } from '../broker.js';
import { rawFetch, rawRequest } from '../testing/raw-client.js';

function produce(b: RunningBroker, topic: string, batch: Buffer) {
  return rawRequest<ProduceResponse>(b.address, ApiKey.Produce, 7, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 1000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }],
  }).then((r) => r.responses[0]!.partitionResponses[0]!);
}

describe('idempotent producer on the wire', () => {
  it('acknowledges a retried batch with its first offset, rejects gaps, and remembers across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sw-idem-'));
    let b = await startBroker({ port: 0, dataDir });
    try {
      const init = await rawRequest<InitProducerIdResponse>(b.address, ApiKey.InitProducerId, 1, {
        transactionalId: null,
        transactionTimeoutMs: 60000,
      });
      expect(init.errorCode).toBe(0);
      const pid = init.producerId;
      const batch = (seq: number, n: number) =>
        encodeRecordBatch({
          producerId: pid,
          producerEpoch: init.producerEpoch,
          baseSequence: seq,
          records: Array.from({ length: n }, (_, i) => ({ value: Buffer.from(`s${seq + i}`) })),
        });
      await rawRequest(b.address, ApiKey.Metadata, 4, { topics: [{ name: 'idem' }], allowAutoTopicCreation: true });
      expect(await produce(b, 'idem', batch(0, 3))).toMatchObject({ errorCode: 0, baseOffset: 0 });
      expect(await produce(b, 'idem', batch(3, 2))).toMatchObject({ errorCode: 0, baseOffset: 3 });
      expect(await produce(b, 'idem', batch(0, 3))).toMatchObject({ errorCode: 0, baseOffset: 0 }); // a retry
      expect(await produce(b, 'idem', batch(9, 1))).toMatchObject({ errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
      expect((await rawFetch(b.address, 'idem', 0, 0)).records.map((r) => r.value?.toString())).toEqual(['s0', 's1', 's2', 's3', 's4']);

      await b.close();
      b = await startBroker({ port: 0, dataDir });
      expect(await produce(b, 'idem', batch(3, 2))).toMatchObject({ errorCode: 0, baseOffset: 3 }); // still a retry
      expect(await produce(b, 'idem', batch(5, 1))).toMatchObject({ errorCode: 0, baseOffset: 5 });
      const again = await rawRequest<InitProducerIdResponse>(b.address, ApiKey.InitProducerId, 1, {
        transactionalId: null,
        transactionTimeoutMs: 60000,
      });
      expect(again.producerId).not.toBe(pid); // ids are unique across restarts
    } finally {
      await b.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('serves kafkajs idempotent producers', async () => {
    const b = await startBroker({ port: 0, dataDir: null });
    try {
      const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'idem', logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'idem-kjs', numPartitions: 2 }] });
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      for (let i = 0; i < 10; i++) {
        await producer.send({ topic: 'idem-kjs', messages: Array.from({ length: 20 }, (_, j) => ({ key: `k${j}`, value: `${i}-${j}` })) });
      }
      const offsets = await admin.fetchTopicOffsets('idem-kjs');
      expect(offsets.reduce((n, o) => n + Number(o.high), 0)).toBe(200);
      const producersSeen = b.broker.topics.partitions('idem-kjs').flatMap((p) => [...p.producers.entries()]);
      expect(producersSeen.length).toBeGreaterThan(0);
      expect(producersSeen.every((e) => e.producerId >= 0 && e.epoch === 0)).toBe(true);
      await producer.disconnect();
      await admin.disconnect();
    } finally {
      await b.close();
    }
  });
});
