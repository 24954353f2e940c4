// Crash recovery end to end: the broker runs in a child process (the CLI on a data directory) and
// is SIGKILLed while transactional producers, transactional offset commits and plain group offset
// commits are in flight, then restarted on the same directory. After each restart:
// - every acknowledged transaction's records are there exactly once, every unacknowledged one is
//   all there or not at all, the deliberately open transaction is gone (aborted), and nothing is
//   visible twice to read_committed (a raw read_committed Fetch decoded as the Java client does,
//   compared with the fate of each transaction worked out from the markers in the raw log; a
//   kafkajs read_committed consumer must get every committed record);
// - a transaction's offsets (sendOffsets) are committed if and only if its records are visible;
// - group offsets are at least what was acknowledged before the kill;
// - no transaction is left hanging: LSO == HW on every partition;
// - the same transactional ids can be initialised again and commit.
// The kill point is random; the kill/restart cycle repeats CYCLES times on one data directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../protocol/apis.js';
import { decodeControlRecord, decodeRecordBatch, isControl, isTransactional, type DecodedBatch } from '../protocol/records/index.js';
import type { FetchResponse, ListOffsetsResponse, OffsetCommitResponse } from '../protocol/schema/generated/index.js';
import type { BrokerAddress } from './broker.js';
import { fetchBody, rawRequest } from './testing/raw-client.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DATA = 'cr-data';
const INPUT = 'cr-input';
const PARTITIONS = 3;
const RECORDS_PER_TXN = 6;
const CYCLES = 5;
const TXN_PRODUCERS = ['a', 'b'] as const;
type TxnProducerId = (typeof TXN_PRODUCERS)[number];
const txnGroup = (p: TxnProducerId) => `cr-txn-group-${p}`;
const inputPartitionOf = (p: TxnProducerId) => TXN_PRODUCERS.indexOf(p);
const MEMBER_GROUP = 'cr-member'; // a kafkajs group member committing explicit offsets
const SIMPLE_GROUP = 'cr-simple'; // a "simple consumer" commit: generation -1, no member id
const OPEN_GROUP = 'cr-open-group'; // offsets sent in the transaction that is never committed
const INPUT_RECORDS = 5000; // per partition of INPUT; group commits stay below it

// ---- the broker child process ----

interface BrokerProcess {
  child: ChildProcess;
  address: BrokerAddress;
  bootstrap: string;
  output: string[];
  exited: Promise<void>;
}

const children = new Set<ChildProcess>();
const alive = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;

function spawnBroker(dataDir: string): Promise<BrokerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'core/broker/cli.ts', '--port', '0', '--data-dir', dataDir, '--quiet'], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const output: string[] = [];
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  return new Promise((resolvePromise, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`broker did not start in 20 s:\n${output.join('')}`)), 20_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`broker exited (${code ?? signal}) before listening:\n${output.join('')}`));
    });
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      output.push(d.toString());
      const m = /listening on (\S+):(\d+) /.exec(buffered);
      if (m) {
        clearTimeout(timer);
        const address = { host: m[1]!, port: Number(m[2]) };
        resolvePromise({ child, address, bootstrap: `${address.host}:${address.port}`, output, exited });
      }
    });
  });
}

async function kill(b: BrokerProcess): Promise<void> {
  if (alive(b.child)) b.child.kill('SIGKILL');
  await b.exited;
  children.delete(b.child);
}

afterAll(() => {
  for (const c of children) if (alive(c)) c.kill('SIGKILL');
});

// ---- small helpers ----

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no result in ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Clients of the broker incarnation being killed: few, fast retries, so they give up promptly. */
function doomedKafka(b: BrokerProcess, clientId: string): Kafka {
  return new Kafka({
    brokers: [b.bootstrap],
    clientId,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 5000,
    retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 },
  });
}

/** Clients that check a freshly restarted broker: generous retries. */
function verifyingKafka(b: BrokerProcess, clientId: string): Kafka {
  return new Kafka({
    brokers: [b.bootstrap],
    clientId,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    requestTimeout: 10_000,
    retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 },
  });
}

// ---- reading the log below any client ----

interface LoggedRecord {
  partition: number;
  offset: number;
  value: string;
}

/** Every batch of a partition up to the high watermark (read_uncommitted). */
async function readAllBatches(address: BrokerAddress, partition: number): Promise<DecodedBatch[]> {
  const out: DecodedBatch[] = [];
  let offset = 0;
  for (;;) {
    const res = await rawRequest<FetchResponse>(address, ApiKey.Fetch, 11, fetchBody(DATA, partition, offset, { maxWaitMs: 0 }));
    const p = res.responses[0]!.partitions[0]!;
    if (p.errorCode !== 0) throw new Error(`fetch ${DATA}/${partition}@${offset}: error ${p.errorCode}`);
    const batches = decodeBatches(p.records);
    for (const b of batches) {
      out.push(b);
      offset = b.header.baseOffset + b.header.lastOffsetDelta + 1;
    }
    if (offset >= p.highWatermark || batches.length === 0) return out;
  }
}

function decodeBatches(buf: Buffer | null): DecodedBatch[] {
  const out: DecodedBatch[] = [];
  if (!buf) return out;
  for (let pos = 0; pos + 12 <= buf.length; ) {
    const size = buf.readInt32BE(pos + 8) + 12;
    if (pos + size > buf.length) break; // a partial batch at the end of a response
    out.push(decodeRecordBatch(buf.subarray(pos, pos + size)));
    pos += size;
  }
  return out;
}

const markerType = (b: DecodedBatch) => decodeControlRecord(b.records[0]!.key!).type;

/**
 * What read_committed must show, worked out from the log itself: a transactional batch is
 * committed iff the next marker of its producer on that partition is COMMIT. Batches with no
 * marker after them are transactions still open.
 */
function committedByMarkers(partition: number, batches: DecodedBatch[]): { committed: LoggedRecord[]; hanging: LoggedRecord[] } {
  const committed: LoggedRecord[] = [];
  const pending = new Map<number, LoggedRecord[]>();
  for (const b of batches) {
    const pid = b.header.producerId;
    if (isControl(b.header.attributes)) {
      const held = pending.get(pid) ?? [];
      pending.delete(pid);
      if (markerType(b) === 'COMMIT') committed.push(...held);
      continue;
    }
    const records = b.records.map((r) => ({ partition, offset: r.offset, value: r.value!.toString() }));
    if (!isTransactional(b.header.attributes)) committed.push(...records);
    else pending.set(pid, [...(pending.get(pid) ?? []), ...records]);
  }
  committed.sort((x, y) => x.offset - y.offset);
  return { committed, hanging: [...pending.values()].flat() };
}

/** A read_committed Fetch loop, filtering as Kafka's Java consumer does (aborted transactions list + markers). */
async function readCommitted(address: BrokerAddress, partition: number): Promise<{ records: LoggedRecord[]; lso: number; hw: number }> {
  const records: LoggedRecord[] = [];
  let offset = 0;
  for (;;) {
    const res = await rawRequest<FetchResponse>(
      address,
      ApiKey.Fetch,
      11,
      fetchBody(DATA, partition, offset, { maxWaitMs: 0, isolationLevel: 1 }),
    );
    const p = res.responses[0]!.partitions[0]!;
    if (p.errorCode !== 0) throw new Error(`read_committed fetch ${DATA}/${partition}@${offset}: error ${p.errorCode}`);
    const aborted = [...(p.abortedTransactions ?? [])].sort((x, y) => x.firstOffset - y.firstOffset);
    const abortedProducers = new Set<number>();
    const batches = decodeBatches(p.records);
    for (const b of batches) {
      const last = b.header.baseOffset + b.header.lastOffsetDelta;
      if (isTransactional(b.header.attributes)) {
        while (aborted.length > 0 && aborted[0]!.firstOffset <= last) abortedProducers.add(aborted.shift()!.producerId);
        if (isControl(b.header.attributes)) {
          if (markerType(b) === 'ABORT') abortedProducers.delete(b.header.producerId);
        } else if (!abortedProducers.has(b.header.producerId)) {
          for (const r of b.records) if (r.offset >= offset) records.push({ partition, offset: r.offset, value: r.value!.toString() });
        }
      } else if (!isControl(b.header.attributes)) {
        for (const r of b.records) if (r.offset >= offset) records.push({ partition, offset: r.offset, value: r.value!.toString() });
      }
      offset = last + 1;
    }
    if (offset >= p.lastStableOffset || batches.length === 0) return { records, lso: p.lastStableOffset, hw: p.highWatermark };
  }
}

async function listLatest(address: BrokerAddress, isolationLevel: 0 | 1): Promise<number[]> {
  const res = await rawRequest<ListOffsetsResponse>(address, ApiKey.ListOffsets, 2, {
    replicaId: -1,
    isolationLevel,
    topics: [{ name: DATA, partitions: Array.from({ length: PARTITIONS }, (_, p) => ({ partitionIndex: p, timestamp: -1 })) }],
  });
  const parts = [...res.topics[0]!.partitions].sort((x, y) => x.partitionIndex - y.partitionIndex);
  for (const p of parts) expect(p.errorCode).toBe(0);
  return parts.map((p) => p.offset);
}

// ---- what the clients did before each kill ----

interface TxnAttempt {
  producer: TxnProducerId;
  seq: number;
  values: string[];
  /** commit() resolved before the kill. */
  acked: boolean;
  /** Settled by the first verification after it was attempted. */
  fate?: 'visible' | 'absent';
}

interface GroupCommits {
  /** Last offset per partition whose commit was acknowledged, and the largest one attempted. */
  acked: Map<number, number>;
  attempted: Map<number, number>;
}

const newGroupCommits = (): GroupCommits => ({ acked: new Map(), attempted: new Map() });

describe('broker crash recovery (SIGKILL mid-transaction and mid-commit)', () => {
  it(`keeps committed data and offsets, aborts open transactions, shows nothing twice (${CYCLES} kills)`, { timeout: 120_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sw-crash-'));
    const attempts: TxnAttempt[] = [];
    const nextSeq: Record<TxnProducerId, number> = { a: 0, b: 0 };
    const openValues = new Set<string>();
    const memberCommits = newGroupCommits();
    const simpleCommits = newGroupCommits();
    let memberCounter = 0;
    let simpleCounter = 0;
    const log: string[] = []; // what happened, printed if an assertion fails
    let broker = await spawnBroker(dataDir).catch((e: unknown) => {
      rmSync(dataDir, { recursive: true, force: true });
      throw e;
    });
    try {
      {
        const admin = verifyingKafka(broker, 'cr-setup').admin();
        await admin.connect();
        await admin.createTopics({
          waitForLeaders: true,
          topics: [
            { topic: DATA, numPartitions: PARTITIONS },
            { topic: INPUT, numPartitions: PARTITIONS },
          ],
        });
        await admin.disconnect();
        // Records under the offsets the member commits: kafkajs resets (and commits -2 for) a
        // committed offset past the high watermark, which would mask what the test looks for.
        const producer = verifyingKafka(broker, 'cr-setup').producer();
        await producer.connect();
        for (let p = 0; p < PARTITIONS; p++) {
          for (let i = 0; i < INPUT_RECORDS; i += 1000) {
            await producer.send({ topic: INPUT, messages: Array.from({ length: 1000 }, () => ({ value: 'x', partition: p })) });
          }
        }
        await producer.disconnect();
      }

      for (let cycle = 1; cycle <= CYCLES; cycle++) {
        // (1)-(3): busy clients against this incarnation.
        const kafka = doomedKafka(broker, `cr-cycle-${cycle}`);
        const ctx = { killed: false, errors: [] as string[], ackedThisCycle: new Map<string, number>() };
        const bump = (who: string) => ctx.ackedThisCycle.set(who, (ctx.ackedThisCycle.get(who) ?? 0) + 1);
        const failed = (who: string, e: unknown) => {
          if (!ctx.killed) ctx.errors.push(`${who}: ${(e as Error).message}`);
        };

        // A transaction left open on purpose: records flushed to the broker, offsets held, no commit.
        const openProducer = kafka.producer({ transactionalId: 'cr-open', idempotent: true, maxInFlightRequests: 1, transactionTimeout: 60_000 });
        await openProducer.connect();
        const openTxn = await openProducer.transaction();
        const openBatch = Array.from({ length: PARTITIONS }, (_, p) => `open:${cycle}:${p}`);
        for (const v of openBatch) openValues.add(v);
        await openTxn.send({ topic: DATA, messages: openBatch.map((v, p) => ({ key: v, value: v, partition: p })) });
        await openTxn.sendOffsets({
          consumerGroupId: OPEN_GROUP,
          topics: [{ topic: INPUT, partitions: [{ partition: 0, offset: String(1000 + cycle) }] }],
        });

        // A group member that commits explicit offsets.
        const member: Consumer = kafka.consumer({
          groupId: MEMBER_GROUP,
          sessionTimeout: 6000,
          heartbeatInterval: 500,
          maxWaitTimeInMs: 100,
          retry: { retries: 0, restartOnFailure: async () => false },
        });
        await member.connect();
        await member.subscribe({ topic: INPUT, fromBeginning: true });
        let joined = false;
        member.on(member.events.GROUP_JOIN, () => (joined = true));
        await member.run({ autoCommit: false, eachMessage: async () => {} });
        await waitFor(() => joined, 15_000, 'the member to join its group');

        const loops: Promise<void>[] = [];
        const producers: Producer[] = [openProducer];
        for (const id of TXN_PRODUCERS) {
          const producer = kafka.producer({ transactionalId: `cr-txn-${id}`, idempotent: true, maxInFlightRequests: 1, transactionTimeout: 60_000 });
          producers.push(producer);
          loops.push(
            (async () => {
              await producer.connect();
              while (!ctx.killed) {
                const seq = nextSeq[id]++;
                const values = Array.from({ length: RECORDS_PER_TXN }, (_, i) => `${id}:${seq}:${i}`);
                const attempt: TxnAttempt = { producer: id, seq, values, acked: false };
                attempts.push(attempt);
                const txn = await producer.transaction();
                await txn.send({ topic: DATA, messages: values.map((v, i) => ({ key: v, value: v, partition: i % PARTITIONS })) });
                await txn.sendOffsets({
                  consumerGroupId: txnGroup(id),
                  topics: [{ topic: INPUT, partitions: [{ partition: inputPartitionOf(id), offset: String(seq + 1) }] }],
                });
                await txn.commit();
                if (ctx.killed) break; // acknowledged after the kill: impossible, but then not counted
                attempt.acked = true;
                bump(`txn-${id}`);
              }
            })().catch((e) => failed(`producer ${id}`, e)),
          );
        }
        loops.push(
          (async () => {
            while (!ctx.killed) {
              const offset = ++memberCounter;
              if (offset >= INPUT_RECORDS) throw new Error('member commits ran past the records of the input topic');
              for (let p = 0; p < PARTITIONS; p++) memberCommits.attempted.set(p, offset);
              await member.commitOffsets(Array.from({ length: PARTITIONS }, (_, p) => ({ topic: INPUT, partition: p, offset: String(offset) })));
              if (ctx.killed) break;
              for (let p = 0; p < PARTITIONS; p++) memberCommits.acked.set(p, offset);
              bump('member');
            }
          })().catch((e) => failed('member commits', e)),
        );
        loops.push(
          (async () => {
            while (!ctx.killed) {
              const offset = ++simpleCounter;
              for (let p = 0; p < PARTITIONS; p++) simpleCommits.attempted.set(p, offset);
              const res = await rawRequest<OffsetCommitResponse>(broker.address, ApiKey.OffsetCommit, 7, {
                groupId: SIMPLE_GROUP,
                generationIdOrMemberEpoch: -1,
                memberId: '',
                groupInstanceId: null,
                topics: [{ name: INPUT, partitions: Array.from({ length: PARTITIONS }, (_, p) => ({ partitionIndex: p, committedOffset: offset, committedMetadata: null })) }],
              });
              for (const p of res.topics[0]!.partitions) if (p.errorCode !== 0) throw new Error(`simple commit: error ${p.errorCode}`);
              if (ctx.killed) break;
              for (let p = 0; p < PARTITIONS; p++) simpleCommits.acked.set(p, offset);
              bump('simple');
            }
          })().catch((e) => failed('simple commits', e)),
        );

        // (4) Kill at a random point once every loop has made progress.
        await waitFor(
          () => ['txn-a', 'txn-b', 'member', 'simple'].every((w) => (ctx.ackedThisCycle.get(w) ?? 0) > 0) || ctx.errors.length > 0,
          15_000,
          'every client loop to make progress',
        );
        expect(ctx.errors, 'client errors before the kill').toEqual([]);
        const delay = Math.floor(Math.random() * 400);
        await sleep(delay);
        ctx.killed = true;
        await kill(broker);
        log.push(`cycle ${cycle}: killed after +${delay} ms; acked ${JSON.stringify([...ctx.ackedThisCycle])}`);
        await within(Promise.all(loops), 20_000, 'the client loops to give up');
        expect(ctx.errors, 'client errors before the kill').toEqual([]);
        await within(
          Promise.allSettled([...producers.map((p) => p.disconnect()), member.disconnect()]),
          10_000,
          'the old clients to disconnect',
        ).catch(() => {});

        // (5) Restart on the same directory.
        broker = await spawnBroker(dataDir);

        // (6) Verify.
        const fail = (msg: string) => `${msg}\n${log.join('\n')}\nbroker output:\n${broker.output.join('')}`;
        const visible: LoggedRecord[] = [];
        for (let p = 0; p < PARTITIONS; p++) {
          const truth = committedByMarkers(p, await readAllBatches(broker.address, p));
          expect(truth.hanging, fail(`records of a transaction left open on ${DATA}/${p}`)).toEqual([]);
          const rc = await readCommitted(broker.address, p);
          expect(rc.lso, fail(`LSO of ${DATA}/${p} in Fetch`)).toBe(rc.hw);
          expect(rc.records, fail(`read_committed view of ${DATA}/${p} vs the markers in the log`)).toEqual(truth.committed);
          visible.push(...rc.records);
        }
        const values = visible.map((r) => r.value);
        const counts = new Map<string, number>();
        for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
        expect([...counts].filter(([, n]) => n > 1), fail('records visible more than once')).toEqual([]);
        expect(values.filter((v) => openValues.has(v)), fail('records of the open transaction are visible')).toEqual([]);
        const known = new Set(attempts.flatMap((a) => a.values));
        expect(values.filter((v) => !known.has(v) && !openValues.has(v) && !v.startsWith('final:')), fail('unknown records')).toEqual([]);

        // Each transaction is all there or not at all; acknowledged ones are there; fates never change.
        for (const a of attempts) {
          const present = a.values.filter((v) => counts.has(v)).length;
          expect([0, a.values.length], fail(`transaction ${a.producer}:${a.seq} partly visible (${present}/${a.values.length})`)).toContain(present);
          const fate = present > 0 ? 'visible' : 'absent';
          if (a.acked) expect(fate, fail(`acknowledged transaction ${a.producer}:${a.seq}`)).toBe('visible');
          if (a.fate) expect(fate, fail(`transaction ${a.producer}:${a.seq} changed fate`)).toBe(a.fate);
          a.fate = fate;
        }
        const settled = attempts.filter((a) => !a.acked).map((a) => `${a.producer}:${a.seq}=${a.fate}`);
        log.push(`cycle ${cycle}: ${attempts.filter((a) => a.acked).length} acked txns so far; unacknowledged: ${settled.join(' ')}`);

        // LSO == HW by ListOffsets too, and kafkajs sees the same high watermarks.
        const hw = await listLatest(broker.address, 0);
        expect(await listLatest(broker.address, 1), fail('ListOffsets read_committed latest (LSO) vs high watermark')).toEqual(hw);

        const vk = verifyingKafka(broker, `cr-verify-${cycle}`);
        const admin = vk.admin();
        await admin.connect();
        const topicOffsets = await admin.fetchTopicOffsets(DATA);
        expect(topicOffsets.sort((x, y) => x.partition - y.partition).map((o) => Number(o.high))).toEqual(hw);

        // Offsets: transactional ones iff their transaction is visible, plain ones at least as acknowledged.
        const committedOffsets = async (groupId: string) => {
          const [t] = await admin.fetchOffsets({ groupId, topics: [INPUT] });
          return new Map(t!.partitions.map((p) => [p.partition, Number(p.offset)]));
        };
        for (const id of TXN_PRODUCERS) {
          const seqs = attempts.filter((a) => a.producer === id && a.fate === 'visible').map((a) => a.seq);
          const expected = seqs.length === 0 ? -1 : Math.max(...seqs) + 1;
          const got = (await committedOffsets(txnGroup(id))).get(inputPartitionOf(id));
          expect(got, fail(`offset committed with ${id}'s last visible transaction`)).toBe(expected);
        }
        const openOffsets = await committedOffsets(OPEN_GROUP);
        expect([...openOffsets.values()], fail('offsets of the open transaction were committed')).toEqual([-1, -1, -1]);
        for (const [groupId, commits] of [
          [MEMBER_GROUP, memberCommits],
          [SIMPLE_GROUP, simpleCommits],
        ] as const) {
          const got = await committedOffsets(groupId);
          for (let p = 0; p < PARTITIONS; p++) {
            const offset = got.get(p)!;
            expect(offset, fail(`${groupId} ${INPUT}/${p} committed offset vs acknowledged`)).toBeGreaterThanOrEqual(commits.acked.get(p) ?? -1);
            expect(offset, fail(`${groupId} ${INPUT}/${p} committed offset vs attempted`)).toBeLessThanOrEqual(commits.attempted.get(p) ?? -1);
          }
        }

        // A kafkajs read_committed consumer gets every committed record. Only completeness is
        // checked here: kafkajs 2.2.4's filterAbortedMessages lets aborted records through when the
        // aborted-transactions list is not sorted by first offset (Kafka lists them in marker order,
        // as this broker does) or when a fetch starts after the first offset of two or more of
        // them, and its eachMessage runner may fetch again from a control record. Exactness is
        // what the raw read_committed read above checks, filtering as Kafka's Java client does.
        const reader = vk.consumer({ groupId: `cr-reader-${cycle}`, readUncommitted: false, sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 100 });
        const seen = new Set<string>();
        await reader.connect();
        await reader.subscribe({ topic: DATA, fromBeginning: true });
        await reader.run({ autoCommit: false, eachMessage: async ({ message }) => void seen.add(message.value!.toString()) });
        await waitFor(() => values.every((v) => seen.has(v)), 20_000, 'kafkajs read_committed to deliver every committed record').catch(() => {});
        await reader.disconnect();
        expect(values.filter((v) => !seen.has(v)), fail('committed records a kafkajs read_committed consumer did not get')).toEqual([]);

        if (cycle === CYCLES) {
          // The transactional ids whose transactions the crash cut off (and the open one) work again.
          const before = new Set(values);
          for (const transactionalId of ['cr-txn-a', 'cr-txn-b', 'cr-open']) {
            const producer = vk.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, transactionTimeout: 60_000 });
            await producer.connect();
            const txn = await producer.transaction();
            await txn.send({ topic: DATA, messages: [{ key: transactionalId, value: `final:${transactionalId}`, partition: 0 }] });
            await txn.commit();
            await producer.disconnect();
          }
          const after = (await readCommitted(broker.address, 0)).records.map((r) => r.value).filter((v) => !before.has(v));
          expect(after.sort()).toEqual(['final:cr-open', 'final:cr-txn-a', 'final:cr-txn-b']);
          expect(await listLatest(broker.address, 1)).toEqual(await listLatest(broker.address, 0));
        }
        await admin.disconnect();
      }
      // The test must have exercised what it claims to.
      expect(attempts.filter((a) => a.acked).length).toBeGreaterThan(CYCLES * TXN_PRODUCERS.length);
    } finally {
      await kill(broker);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
