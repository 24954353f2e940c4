// The README's standalone app (examples/word-lengths.ts) run as its own Node process against
// the embedded broker: it must produce correct counts through its repartition topic and stop
// cleanly on SIGINT.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../broker/broker.js';
import { waitFor } from '../../broker/testing/wait.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
let b: RunningBroker;

beforeAll(async () => {
  b = await startBroker({ port: 0, dataDir: null, initialRebalanceDelayMs: 0 });
});
afterAll(async () => {
  await b?.close();
});

it('runs examples/word-lengths.ts with plain node and counts words by length', async () => {
  const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'example-test', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'sentences', numPartitions: 2 }, { topic: 'word-lengths', numPartitions: 2 }] });
  await admin.disconnect();

  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/word-lengths.ts', '--bootstrap', b.bootstrap], { cwd: ROOT, stdio: 'pipe' });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    await waitFor('the example to reach RUNNING', () => output.includes('-> RUNNING'), 30_000);
    const producer = kafka.producer();
    await producer.connect();
    // lengths: 3 ×4 (the, fox, the, dog), 5 ×3 (quick, brown, jumps), 4 ×2 (over, lazy)
    await producer.send({ topic: 'sentences', messages: [{ key: 's1', value: 'the quick brown fox' }, { key: 's2', value: 'jumps over the lazy dog' }] });
    await producer.disconnect();

    const latest = new Map<string, string>();
    const consumer = kafka.consumer({ groupId: 'example-reader' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'word-lengths', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void latest.set(message.key!.toString(), message.value!.toString()) });
    await waitFor(
      `final counts (have ${JSON.stringify(Object.fromEntries(latest))}; app said: ${output.slice(-500)})`,
      () => latest.get('3') === '4' && latest.get('5') === '3' && latest.get('4') === '2',
      30_000,
    );
    await consumer.disconnect();
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toContain('PENDING_SHUTDOWN -> NOT_RUNNING');
  } finally {
    child.kill('SIGKILL');
  }
});
