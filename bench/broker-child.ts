// The broker under test, in its own process so clients and broker do not share an event loop.
// argv: dataDir. Prints {"bootstrap"}; then answers "stats" with CPU, memory, broker counters
// and partition high watermarks, and "close" by closing the broker and exiting.
import { createInterface } from 'node:readline';
import { startBroker } from '../core/broker/broker.js';

const dataDir = process.argv[2] || null;
const counts = { warn: 0, error: 0 };
const running = await startBroker({
  host: '127.0.0.1',
  port: 0,
  dataDir,
  flush: { mode: 'os' },
  logger: (level, message) => {
    if (level === 'info') return;
    counts[level]++;
    if (counts[level] <= 50) process.stderr.write(`[broker] ${level}: ${message}\n`);
  },
});

let lastCpu = process.cpuUsage();
let lastAt = performance.now();

function stats() {
  const cpu = process.cpuUsage(lastCpu);
  const at = performance.now();
  const out = {
    /** CPU (user+system) used since the previous "stats", as a fraction of one core. */
    cpuCores: (cpu.user + cpu.system) / 1000 / (at - lastAt),
    cpuMs: (cpu.user + cpu.system) / 1000,
    rssMB: process.memoryUsage().rss / 1e6,
    heapMB: process.memoryUsage().heapUsed / 1e6,
    broker: running.broker.stats,
    logged: counts,
    topics: Object.fromEntries(
      running.broker
        .describeTopics()
        .filter((t) => !t.internal)
        .map((t) => [t.name, t.partitions.map((p) => ({ hw: p.highWatermark, bytes: p.sizeBytes, segments: p.segments }))]),
    ),
  };
  lastCpu = process.cpuUsage();
  lastAt = at;
  return out;
}

let closing = false;
async function close(): Promise<void> {
  if (closing) return;
  closing = true;
  await running.close();
  process.exit(0);
}

console.log(JSON.stringify({ bootstrap: running.bootstrap }));
createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = line.trim();
  if (cmd === 'stats') console.log(JSON.stringify(stats()));
  else if (cmd === 'close') void close();
});
process.stdin.on('end', () => void close());
process.once('SIGTERM', () => void close());
