// `npm run test:conformance [-- --only a,b | --all]`: starts the embedded broker on a free
// 127.0.0.1 port with a fresh data directory, runs the shared black-box conformance suite
// (librdkafka, kafka-python, kcat) against it, stops the broker, and exits with the suite's code.
import { spawn } from 'node:child_process';
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
const dataDir = mkdtempSync(join(tmpdir(), 'streamwatch-conformance-'));
const broker = await startBroker({ port: 0, dataDir, defaultPartitions: 1, logger: () => {} });
console.log(`embedded broker on ${broker.bootstrap}, data in ${dataDir}`);
const code = await new Promise<number>((done) => {
  const child = spawn(runner, ['--bootstrap', broker.bootstrap, ...only], { stdio: 'inherit' });
  child.on('exit', (c) => done(c ?? 1));
});
await broker.close();
rmSync(dataDir, { recursive: true, force: true });
process.exit(code);
