// A consume-transform-produce instance for tests: reads `input`, writes one output record per
// input record inside a kafkajs transaction that also commits the consumed offsets
// (sendOffsets), so output and progress commit atomically. Run as a child process so a test can
// SIGKILL it: no LeaveGroup, no abort, its open transaction left for the broker to deal with.
// Usage: node --import tsx eos-worker.ts BOOTSTRAP GROUP TRANSACTIONAL_ID INPUT OUTPUT DELAY_MS
import { Kafka, logLevel } from 'kafkajs';

const [bootstrap, groupId, transactionalId, input, output, delayArg] = process.argv.slice(2) as [string, string, string, string, string, string];
const delayMs = Number(delayArg);
const kafka = new Kafka({ brokers: [bootstrap], clientId: transactionalId, logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } });
const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, transactionTimeout: 8000 });
const consumer = kafka.consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 500, readUncommitted: false, maxBytesPerPartition: 2048 });
await producer.connect();
await consumer.connect();
await consumer.subscribe({ topic: input, fromBeginning: true });
await consumer.run({
  autoCommit: false,
  eachBatchAutoResolve: false,
  eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
    if (batch.messages.length === 0) return;
    const txn = await producer.transaction();
    try {
      await txn.send({
        topic: output,
        messages: batch.messages.map((m) => ({ key: m.key, value: m.value, headers: { src: `${batch.partition}:${m.offset}` } })),
      });
      console.log(`open ${batch.partition} ${batch.messages.length}`);
      await new Promise((r) => setTimeout(r, delayMs)); // the window in which a test kills us
      await txn.sendOffsets({
        consumerGroupId: groupId,
        topics: [{ topic: input, partitions: [{ partition: batch.partition, offset: String(Number(batch.lastOffset()) + 1) }] }],
      });
      await txn.commit();
      for (const m of batch.messages) resolveOffset(m.offset);
      await heartbeat();
      console.log(`committed ${batch.partition} ${batch.messages.length}`);
    } catch (e) {
      await txn.abort().catch(() => {});
      throw e;
    }
  },
});
console.log('running');
