// `npm run test:conformance [-- --only a,b | --all] [--nodes 1,3]`: for each cluster size (1 and
// 3 nodes unless --nodes says otherwise), starts the embedded broker on free 127.0.0.1 ports with a
// fresh data directory, runs the shared black-box conformance suite (librdkafka, kafka-python,
// kcat) against it with node 1 as bootstrap, and stops it. The suite's lines are printed with a
// "[N nodes] " prefix; the only unprefixed "P passed, F failed" line is the total over all runs,
// which is what scripts/ci-summary.mjs reads. Exits non-zero if any run failed.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startBroker } from '../core/broker/broker.js';

/** The checks this broker passes; CI runs them all. */
export const EXPECTED_CHECKS = [
  'metadata',
  'metadata_controller',
  'produce_consume_roundtrip',
  'headers_and_timestamps',
  'compression',
  'list_offsets',
  'consumer_group_rebalance',
  'committed_offsets',
  'list_and_describe_groups',
  'idempotent_producer',
  'transactions_commit',
  'transactions_abort',
  'transactions_send_offsets',
  'zombie_fencing',
  'kp_roundtrip',
  'kp_group_two_members',
  'kp_admin',
  'kcat_metadata',
  'kcat_produce_consume',
  'kcat_group',
];

const args = process.argv.slice(2);
const runner = resolve(process.env.CONFORMANCE_RUN ?? '../shared/conformance/run');
if (!existsSync(runner)) {
  console.error(`conformance suite not found at ${runner} (set CONFORMANCE_RUN to its 'run' script)`);
  process.exit(2);
}
const onlyAt = args.indexOf('--only');
const only = args.includes('--all') ? [] : ['--only', (onlyAt >= 0 ? args[onlyAt + 1] : undefined) ?? EXPECTED_CHECKS.join(',')];
const nodesAt = args.indexOf('--nodes');
const sizes = ((nodesAt >= 0 ? args[nodesAt + 1] : undefined) ?? '1,3').split(',').map(Number);
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) {
  console.error(`--nodes takes cluster sizes like 1,3, not "${args[nodesAt + 1]}"`);
  process.exit(2);
}
const SUMMARY = /^(\d+) passed, (\d+) failed$/;

/** Runs the suite against a fresh `nodes`-node broker; its summary, or null when it printed none. */
async function run(nodes: number): Promise<{ passed: number; failed: number; code: number } | null> {
  const label = `[${nodes} node${nodes === 1 ? '' : 's'}]`;
  const dataDir = mkdtempSync(join(tmpdir(), 'streamwatch-conformance-'));
  const broker = await startBroker({ port: 0, nodes, dataDir, defaultPartitions: 1, logger: () => {} });
  console.log(`${label} embedded broker on ${broker.bootstrapServers.join(',')}, data in ${dataDir}`);
  const lines: string[] = [];
  const code = await new Promise<number>((done) => {
    const child = spawn(runner, ['--bootstrap', broker.bootstrap, ...only], { stdio: ['ignore', 'pipe', 'inherit'] });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      console.log(`${label} ${line}`);
    });
    child.on('close', (c) => done(c ?? 1));
  });
  await broker.close();
  rmSync(dataDir, { recursive: true, force: true });
  const m = lines.map((l) => SUMMARY.exec(l)).findLast((x) => x !== null);
  return m ? { passed: Number(m[1]), failed: Number(m[2]), code } : null;
}

let passed = 0;
let failed = 0;
let exitCode = 0;
for (const nodes of sizes) {
  const r = await run(nodes);
  if (!r) console.log(`[${nodes} nodes] no summary: the suite did not run to the end`);
  // A run that printed no summary counts as one failure, as ci-summary counts a missing suite.
  passed += r?.passed ?? 0;
  failed += r ? r.failed : 1;
  if (!r || r.code !== 0) exitCode = 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(exitCode);
