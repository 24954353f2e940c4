// The restore block of the streams benchmark: bank-ledger with 100k accounts (one transfer each,
// so 100k keys in its persistent 'balances' store and 100k records in its changelog), 4 tasks,
// exactly_once_v2, one instance in this process with a state directory in a temp dir. After the
// fill (every transfer processed and committed, then a clean close, which writes the checkpoints)
// the instance is started again, alternately:
//   checkpoint:  on the same state directory (stores and .checkpoint files from the clean close);
//                before each such restart the kept instance processes 1% more transfers (to the
//                first 1% of the accounts, same partitions) and closes cleanly, so every one is a restart after processing,
//                as in production (the changelog then ends with a commit marker after the checkpoint),
//   none:        on a fresh, empty state directory (the same changelog, restored from its start).
// Per restart, from the task telemetry: records restored (sum of 'restored' over the tasks),
// restore time (the slowest task's 'restored' durationMs) and start → every task running. Each
// instance closes with leaveGroup, so the next one's join is not held by a departed member.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { bankLedgerTopology, BALANCES_STORE } from '../core/apps/bank-ledger.js';
import { KafkaStreams } from '../core/streams/index.js';
import { CommittedOffsets, createTopics, deleteTopics, prefill } from './streams-common.js';
import { nowMs, withTimeout } from './util.js';

export const RESTORE_PARTITIONS = 4;
export type RestoreCase = 'checkpoint' | 'none';

export interface RestartResult {
  case: RestoreCase;
  restored: number;
  /** slowest task's restore (its 'restored' durationMs) */
  restoreMs: number;
  /** start() → every task running */
  startMs: number;
  tasks: number;
  /** the tasks' restore sources ('created' telemetry), e.g. "checkpoint ×4" */
  sources: string;
  issues: string[];
}

export interface RestoreBlockOptions {
  bootstrap: string;
  keys: number;
  rounds: number;
  log: (line: string) => void;
}

interface Names {
  app: string;
  input: string;
  output: string;
}

function instance(o: RestoreBlockOptions, names: Names, stateDir: string): KafkaStreams {
  return new KafkaStreams(bankLedgerTopology({ applicationId: names.app, input: names.input, output: names.output }), {
    applicationId: names.app,
    bootstrapServers: [o.bootstrap],
    processingGuarantee: 'exactly_once_v2',
    stateDir,
  });
}

/** Fills the store: every transfer up to `total` processed and committed, then a clean close. */
async function fill(o: RestoreBlockOptions, names: Names, stateDir: string, total: number, issues: string[]): Promise<number> {
  const streams = instance(o, names, stateDir);
  const committed = new CommittedOffsets();
  streams.onEvent((e) => {
    if (e.type === 'commit') for (const x of e.offsets) if (x.topic === names.input) committed.set(x.partition, x.offset);
    if (e.type === 'error') issues.push(`fill: streams error${e.fatal ? ' (fatal)' : ''}: ${e.message.slice(0, 160)}`);
  });
  const t0 = nowMs();
  await streams.start();
  try {
    await withTimeout(
      new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          if (committed.sum() >= total || streams.state === 'ERROR') {
            clearInterval(timer);
            resolve();
          }
        }, 20);
      }),
      Math.max(120_000, o.keys * 2),
      'fill',
    );
  } finally {
    await streams.close({ leaveGroup: true });
  }
  if (committed.sum() < total) issues.push(`fill: only ${committed.sum()} of ${total} committed`);
  return nowMs() - t0;
}

async function restart(o: RestoreBlockOptions, names: Names, stateDir: string, which: RestoreCase): Promise<RestartResult> {
  const streams = instance(o, names, stateDir);
  const issues: string[] = [];
  const restored = new Map<string, { restored: number; ms: number }>();
  const running = new Set<string>();
  const sources = new Map<string, number>();
  streams.onEvent((e) => {
    if (e.type === 'task' && e.role !== 'standby' && e.role !== 'warmup') {
      if (e.phase === 'restored') restored.set(e.taskId, { restored: e.restored ?? 0, ms: e.durationMs ?? NaN });
      if (e.phase === 'running') running.add(e.taskId);
      if (e.phase === 'created') sources.set(e.restoreSource ?? '?', (sources.get(e.restoreSource ?? '?') ?? 0) + 1);
      if (e.phase === 'created' && (e.unstableOffsets?.length ?? 0) > 0) issues.push(`${e.taskId} created waiting for a stable offset (UNSTABLE_OFFSET_COMMIT)`);
    }
    if (e.type === 'error') issues.push(`streams error${e.fatal ? ' (fatal)' : ''}: ${e.message.slice(0, 160)}`);
  });
  const t0 = nowMs();
  let startMs = NaN;
  await streams.start();
  try {
    await withTimeout(
      new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          if (running.size >= RESTORE_PARTITIONS || streams.state === 'ERROR') {
            if (running.size >= RESTORE_PARTITIONS) startMs = nowMs() - t0;
            clearInterval(timer);
            resolve();
          }
        }, 5);
      }),
      Math.max(120_000, o.keys * 2),
      `${which}: every task running`,
    ).catch((e: Error) => issues.push(e.message));
  } finally {
    await streams.close({ leaveGroup: true });
  }
  const r = [...restored.values()];
  if (r.length < RESTORE_PARTITIONS) issues.push(`${r.length} of ${RESTORE_PARTITIONS} tasks reported 'restored'`);
  return {
    case: which,
    restored: r.reduce((s, x) => s + x.restored, 0),
    restoreMs: r.length === 0 ? NaN : Math.max(...r.map((x) => x.ms)),
    startMs,
    tasks: r.length,
    sources: [...sources].map(([k, v]) => `${k} ×${v}`).join(', '),
    issues,
  };
}

/** Fill once, then `rounds` × (restart on the same state dir, restart on a fresh one), alternating which goes first. */
export async function restoreBlock(kafka: Kafka, o: RestoreBlockOptions): Promise<{ results: RestartResult[]; fillMs: number; notes: string[] }> {
  const names: Names = { app: `bench-restore-${Date.now()}`, input: `bench-in-restore-${Date.now()}`, output: `bench-out-restore-${Date.now()}` };
  const root = mkdtempSync(join(tmpdir(), 'streamwatch-bench-restore-'));
  const notes: string[] = [];
  const results: RestartResult[] = [];
  await createTopics(kafka, [names.input, names.output], RESTORE_PARTITIONS);
  try {
    const transfer = (i: number) => JSON.stringify({ gen: 'bench', seq: i, ts: Date.now(), amount: (i % 100) + 1 });
    await prefill(kafka, names.input, o.keys, RESTORE_PARTITIONS, (i) => `acct-${i}`, transfer);
    const kept = join(root, 'kept');
    const fillIssues: string[] = [];
    const fillMs = await fill(o, names, kept, o.keys, fillIssues);
    let total = o.keys;
    const checkpoints = (readdirSync(kept, { recursive: true }) as string[]).filter((f) => f.endsWith('.checkpoint')).length;
    o.log(`  fill: ${o.keys} keys processed and committed in ${(fillMs / 1000).toFixed(2)} s, closed cleanly; ${checkpoints} .checkpoint file(s) in the state directory`);
    if (checkpoints === 0) notes.push('restore: the clean close left no .checkpoint file in the state directory: the runtime does not use it (yet), so both restarts restore from the changelog');
    let fresh = 0;
    for (let round = 0; round < o.rounds; round++) {
      const order: RestoreCase[] = round % 2 === 0 ? ['checkpoint', 'none'] : ['none', 'checkpoint'];
      for (const which of order) {
        const dir = which === 'checkpoint' ? kept : join(root, `fresh-${++fresh}`);
        if (which === 'checkpoint' && round > 0) {
          const more = Math.max(100, Math.round(o.keys / 100));
          await prefill(kafka, names.input, more, RESTORE_PARTITIONS, (i) => `acct-${i}`, (i) => transfer(total + i));
          total += more;
          await fill(o, names, kept, total, fillIssues);
        }
        const r = await restart(o, names, dir, which);
        if (which === 'none') rmSync(dir, { recursive: true, force: true });
        results.push(r);
        o.log(
          `  round ${round + 1} ${which.padEnd(10)}: ${r.restored} restored (${r.sources}), slowest task ${r.restoreMs.toFixed(0)} ms, start → running ${r.startMs.toFixed(0)} ms${r.issues.length ? `  [${r.issues.slice(0, 3).join('; ')}]` : ''}`,
        );
        for (const i of r.issues) notes.push(`restore round ${round + 1} ${which}: ${i}`);
      }
    }
    notes.push(...fillIssues);
    return { results, fillMs, notes };
  } finally {
    rmSync(root, { recursive: true, force: true });
    await deleteTopics(kafka, [names.input, names.output, `${names.app}-${BALANCES_STORE}-changelog`]);
  }
}
