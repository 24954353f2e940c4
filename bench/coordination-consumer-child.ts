// One kafkajs consumer in its own process, so the coordination benchmark can take it away either
// politely ("leave": consumer.disconnect(), which sends LeaveGroup) or by SIGKILL (no LeaveGroup:
// the broker only finds out when the session times out).
// argv: bootstrap, clientId, groupId, topic, JSON of the consumer config.
// Prints {"ready"} once consumer.run() has started; answers "leave" with {"left", ms} after
// disconnect() returns; "close" disconnects (if still connected) and exits.
import { createInterface } from 'node:readline';
import { Kafka, logLevel, type ConsumerConfig } from 'kafkajs';

const [bootstrap, clientId, groupId, topic, configJson] = process.argv.slice(2);
if (!bootstrap || !clientId || !groupId || !topic || !configJson) {
  console.error('usage: coordination-consumer-child.ts bootstrap clientId groupId topic configJson');
  process.exit(2);
}
const config = JSON.parse(configJson) as Omit<ConsumerConfig, 'groupId'>;
const kafka = new Kafka({
  brokers: [bootstrap],
  clientId,
  retry: { retries: 5 },
  logLevel: logLevel.ERROR,
  logCreator: () => (entry) => process.stderr.write(`[${clientId}] ${entry.log.message}\n`),
});
const consumer = kafka.consumer({ ...config, groupId });
await consumer.connect();
await consumer.subscribe({ topics: [topic], fromBeginning: false });
await consumer.run({ eachMessage: async () => {} });

let disconnecting: Promise<number> | null = null;
function disconnect(): Promise<number> {
  const t0 = performance.now();
  disconnecting ??= consumer.disconnect().then(() => performance.now() - t0);
  return disconnecting;
}

console.log(JSON.stringify({ ready: true, pid: process.pid }));
createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = line.trim();
  if (cmd === 'leave') {
    void disconnect().then(
      (ms) => console.log(JSON.stringify({ left: true, ms })),
      (e: Error) => console.log(JSON.stringify({ left: false, error: e.message })),
    );
  } else if (cmd === 'close') {
    void disconnect().finally(() => process.exit(0));
  }
});
process.stdin.on('end', () => void disconnect().finally(() => process.exit(0)));
