// The broker under test, in its own process (clients and broker do not share an event loop), for
// every benchmark. argv: dataDir, [initialRebalanceDelayMs]. Prints {"bootstrap"}; then answers, one
// JSON line per command: "events" with the broker events buffered since the previous "events"
// (group.* and txn.committed/aborted/fenced; the chatty txn.state is left out), "stats" with CPU,
// memory, counters and partition high watermarks, and "close" by closing the broker and exiting.
import { createInterface } from 'node:readline';
import { startBroker } from '../core/broker/broker.js';
import type { BrokerEvent } from '../core/broker/events.js';

const dataDir = process.argv[2] || null;
const initialRebalanceDelayMs = Number(process.argv[3] ?? '300');
const counts = { warn: 0, error: 0 };
const warnings: string[] = [];
const running = await startBroker({
  host: '127.0.0.1',
  port: 0,
  dataDir,
  flush: { mode: 'os' },
  initialRebalanceDelayMs,
  logger: (level, message) => {
    if (level === 'info') return;
    counts[level]++;
    if (warnings.length < 20) warnings.push(`${level}: ${message}`);
    if (counts[level] <= 50) process.stderr.write(`[broker] ${level}: ${message}\n`);
  },
});

const MAX_BUFFERED = 200_000;
let events: BrokerEvent[] = [];
let dropped = 0;
running.broker.onEvent((e) => {
  if (e.type === 'txn.state') return;
  if (events.length >= MAX_BUFFERED) dropped++;
  else events.push(e);
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
    warnings,
    droppedEvents: dropped,
    topics: Object.fromEntries(
      running.broker
        .describeTopics()
        .filter((t) => !t.internal)
        .map((t) => [t.name, t.partitions.map((p) => ({ hw: p.highWatermark, lso: p.lastStableOffset, bytes: p.sizeBytes, segments: p.segments }))]),
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
  if (cmd === 'events') {
    const out = events;
    events = [];
    console.log(JSON.stringify({ events: out }));
  } else if (cmd === 'stats') console.log(JSON.stringify(stats()));
  else if (cmd === 'close') void close();
});
process.stdin.on('end', () => void close());
process.once('SIGTERM', () => void close());
