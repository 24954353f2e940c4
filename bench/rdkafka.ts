// librdkafka clients as child processes: Debian's python3 with confluent_kafka (not whatever
// python3 is on PATH) producing and fetching, and kcat producing from a file of 1 KiB lines.
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { lastJson, runProcess } from './util.js';

export const PYTHON = '/usr/bin/python3';
export const KCAT = '/usr/bin/kcat';
const TIME = '/usr/bin/time';

const PRODUCE_PY = String.raw`
import sys, json, time
from confluent_kafka import Producer
bootstrap, topic, n, size, acks, budget = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], float(sys.argv[6])
errors = []
failed = [0]
def dr(err, msg):
    if err is not None:
        failed[0] += 1
        if len(errors) < 5: errors.append(str(err))
p = Producer({
    'bootstrap.servers': bootstrap, 'acks': acks, 'linger.ms': 5, 'batch.size': 1000000,
    'compression.type': 'none', 'enable.idempotence': False,
    'queue.buffering.max.messages': 1000000, 'queue.buffering.max.kbytes': 1048576,
    'delivery.report.only.error': True, 'on_delivery': dr,
    'error_cb': lambda e: errors.append(str(e)) if len(errors) < 5 else None,
})
md = p.list_topics(topic, timeout=10)
t = md.topics.get(topic)
if t is None or t.error is not None or len(t.partitions) == 0:
    print(json.dumps({'error': 'topic not ready: %s' % (t.error if t else 'missing')})); sys.exit(1)
value = b'v' * size
c0 = time.process_time()
t0 = time.perf_counter()
deadline = t0 + budget
produced = 0
for i in range(n):
    while True:
        try:
            p.produce(topic, value, partition=0)
            break
        except BufferError:
            p.poll(0.005)
    produced += 1
    if (i & 1023) == 0:
        p.poll(0)
        if time.perf_counter() > deadline: break
enqueued_s = time.perf_counter() - t0
left = p.flush(max(1.0, deadline + 10 - time.perf_counter()))
elapsed = time.perf_counter() - t0
cpu = time.process_time() - c0
print(json.dumps({'elapsed': elapsed, 'cpu': cpu, 'enqueuedSec': enqueued_s, 'produced': produced,
                  'failed': failed[0], 'undelivered': left, 'errors': errors}))
`;

const FETCH_PY = String.raw`
import sys, json, time
from confluent_kafka import Consumer, TopicPartition, KafkaError
bootstrap, topic, expect, budget = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
errors = []
c = Consumer({
    'bootstrap.servers': bootstrap, 'group.id': 'streamwatch-bench-unused',
    'enable.auto.commit': False, 'enable.auto.offset.store': False, 'enable.partition.eof': True,
    'fetch.max.bytes': 52428800, 'max.partition.fetch.bytes': 16777216, 'fetch.wait.max.ms': 100,
    'queued.max.messages.kbytes': 262144, 'check.crcs': False, 'auto.offset.reset': 'error',
    'error_cb': lambda e: errors.append(str(e)) if len(errors) < 5 else None,
})
c.list_topics(topic, timeout=10)
c0 = time.process_time()
t0 = time.perf_counter()
deadline = t0 + budget
c.assign([TopicPartition(topic, 0, 0)])
count = 0
nbytes = 0
first = last = -1
eof = False
while time.perf_counter() < deadline and not eof and count < expect:
    for m in c.consume(num_messages=10000, timeout=0.5):
        e = m.error()
        if e is None:
            if first < 0: first = m.offset()
            last = m.offset()
            count += 1
            nbytes += len(m)
        elif e.code() == KafkaError._PARTITION_EOF:
            eof = True
        elif len(errors) < 5:
            errors.append(str(e))
elapsed = time.perf_counter() - t0
cpu = time.process_time() - c0
c.close()
print(json.dumps({'elapsed': elapsed, 'cpu': cpu, 'count': count, 'bytes': nbytes, 'first': first, 'last': last,
                  'eof': eof, 'errors': errors}))
`;

export interface RdProduceResult {
  elapsed: number;
  /** CPU seconds of the client process (python + librdkafka threads) over `elapsed`. */
  cpu: number;
  enqueuedSec: number;
  produced: number;
  failed: number;
  undelivered: number;
  errors: string[];
}

export interface RdFetchResult {
  elapsed: number;
  cpu: number;
  count: number;
  bytes: number;
  first: number;
  last: number;
  eof: boolean;
  errors: string[];
}

function tail(s: string, n = 400): string {
  const t = s.trim();
  return t.length > n ? `…${t.slice(-n)}` : t;
}

export async function pythonProduce(
  bootstrap: string,
  topic: string,
  n: number,
  size: number,
  acks: 'all' | '1',
  budgetSec: number,
): Promise<RdProduceResult> {
  const r = await runProcess(PYTHON, ['-c', PRODUCE_PY, bootstrap, topic, String(n), String(size), acks, String(budgetSec)], (budgetSec + 40) * 1000);
  const out = lastJson<RdProduceResult & { error?: string }>(r.stdout);
  if (!out || out.error) throw new Error(`confluent_kafka producer failed (code ${r.code}${r.timedOut ? ', timed out' : ''}): ${out?.error ?? ''} ${tail(r.stderr)}`);
  return out;
}

export async function pythonFetch(bootstrap: string, topic: string, expect: number, budgetSec: number): Promise<RdFetchResult> {
  const r = await runProcess(PYTHON, ['-c', FETCH_PY, bootstrap, topic, String(expect), String(budgetSec)], (budgetSec + 30) * 1000);
  const out = lastJson<RdFetchResult>(r.stdout);
  if (!out) throw new Error(`confluent_kafka consumer failed (code ${r.code}${r.timedOut ? ', timed out' : ''}): ${tail(r.stderr)}`);
  return out;
}

export const kcatAvailable = (): boolean => existsSync(KCAT);

/** A file of `n` lines of `size` bytes each (plus '\n'), so kcat sends `size`-byte values. */
export function writeLinesFile(path: string, n: number, size: number): void {
  const line = Buffer.alloc(size + 1, 0x6b);
  line[size] = 0x0a;
  const perWrite = 1024;
  const block = Buffer.concat(Array.from({ length: perWrite }, () => line));
  const fd = openSync(path, 'w');
  try {
    let left = n;
    while (left > 0) {
      const k = Math.min(perWrite, left);
      writeSync(fd, block, 0, k * line.length);
      left -= k;
    }
  } finally {
    closeSync(fd);
  }
}

/** kcat -P from a file; elapsed includes kcat's start-up and connection (a few ms). */
export interface KcatResult {
  elapsedSec: number;
  /** kcat's user+system CPU seconds, from /usr/bin/time (NaN without it). */
  cpuSec: number;
  ok: boolean;
  detail: string;
}

/** Runs a command under /usr/bin/time when available, so its CPU seconds (user + sys) are known. */
async function runTimed(argv: string[], timeFile: string, budgetSec: number) {
  const timed = existsSync(TIME);
  const r = timed
    ? await runProcess(TIME, ['-f', '%U %S', '-o', timeFile, ...argv], budgetSec * 1000)
    : await runProcess(argv[0]!, argv.slice(1), budgetSec * 1000);
  let cpuSec = NaN;
  if (timed && existsSync(timeFile)) {
    const m = /([\d.]+) ([\d.]+)\s*$/.exec(readFileSync(timeFile, 'utf8'));
    if (m) cpuSec = Number(m[1]) + Number(m[2]);
  }
  return { r, cpuSec };
}

export async function kcatProduce(bootstrap: string, topic: string, file: string, budgetSec: number): Promise<KcatResult> {
  const timeFile = `${file}.time`;
  const kcat = [KCAT, '-P', '-b', bootstrap, '-t', topic, '-p', '0', '-l', '-X', 'acks=all', '-X', 'linger.ms=5',
    '-X', 'batch.size=1000000', '-X', 'queue.buffering.max.kbytes=1048576', '-X', 'queue.buffering.max.messages=1000000', file];
  try {
    const { r, cpuSec } = await runTimed(kcat, timeFile, budgetSec);
    const ok = r.code === 0 && !r.timedOut && !/fail|error/i.test(r.stderr);
    return { elapsedSec: r.wallMs / 1000, cpuSec, ok, detail: r.timedOut ? 'timed out' : tail(r.stderr, 300) };
  } finally {
    rmSync(timeFile, { force: true });
  }
}

export interface KcatFetchResult {
  elapsedSec: number;
  cpuSec: number;
  count: number;
  lastOffset: number;
  ok: boolean;
  detail: string;
}

/** kcat -C from offset 0 until `count` records (one output line, the offset, per record). */
export async function kcatFetch(bootstrap: string, topic: string, count: number, budgetSec: number, scratch: string): Promise<KcatFetchResult> {
  const timeFile = `${scratch}.time`;
  const kcat = [KCAT, '-C', '-b', bootstrap, '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-c', String(count), '-q',
    '-f', '%o\n', '-X', 'fetch.max.bytes=52428800', '-X', 'max.partition.fetch.bytes=16777216', '-X', 'check.crcs=false',
    '-X', 'queued.max.messages.kbytes=262144'];
  try {
    const { r, cpuSec } = await runTimed(kcat, timeFile, budgetSec);
    const lines = r.stdout.trimEnd().split('\n').filter((l) => l !== '');
    const lastOffset = Number(lines[lines.length - 1] ?? -1);
    const ok = r.code === 0 && !r.timedOut && lines.length === count;
    return { elapsedSec: r.wallMs / 1000, cpuSec, count: lines.length, lastOffset, ok, detail: r.timedOut ? 'timed out' : tail(r.stderr, 300) };
  } finally {
    rmSync(timeFile, { force: true });
  }
}
