// `npm run broker -- --port 9092 --data-dir DIR`: the embedded broker on its own.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { startBroker, type BrokerOptions } from './broker.js';
import { SASL_MECHANISMS, isSaslMechanism, type SaslMechanism, type SaslUser } from '../protocol/sasl/index.js';
import type { FlushPolicy } from './log/index.js';

/** A desktop bound: each node is a listener, and its leaders and coordinators spread over all. */
const MAX_NODES = 16;

const USAGE = `usage: npm run broker -- [options]
  --host HOST             address to bind (default 127.0.0.1)
  --port PORT             port to listen on, 0 = any free port (default 9092); node i (from 0) uses PORT+i
  --nodes N               nodes (brokers, ids 1..N) served over one shared state, 1..16 (default 1)
  --data-dir DIR          where logs and topic metadata live (default ./.data/broker)
  --in-memory             keep everything in memory (nothing survives a restart)
  --advertised-host HOST  host clients are told to dial (default: --host)
  --advertised-port PORT  port clients are told to dial (default: the bound port); node i: PORT+i
  --partitions N          partitions of auto-created topics (default 1)
  --no-auto-create        do not create topics on first use
  --flush os|always|MS    fsync policy: leave it to the OS, every write, or every MS ms (default os)
  --sasl-port PORT        also a SASL_PLAINTEXT listener on every node, 0 = any free port; node i: PORT+i
  --sasl-user NAME:PASSWORD  a user of the SASL listener (repeatable); SCRAM credentials are derived at start
  --sasl-mechanisms LIST  mechanisms it enables (default ${SASL_MECHANISMS.join(',')})
  --quiet                 log only warnings and errors`;

function fail(message: string): never {
  console.error(`error: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function parseFlush(v: string): FlushPolicy {
  if (v === 'os' || v === 'always') return { mode: v };
  if (/^\d+$/.test(v)) return { mode: 'interval', ms: Number(v) };
  return fail(`--flush takes os, always or a number of milliseconds, not "${v}"`);
}

function parsePort(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) fail(`${name} must be a port number 0..65535, not "${v}"`);
  return n;
}

/** NAME:PASSWORD; the password may itself hold colons. */
function parseSaslUser(v: string): SaslUser {
  const at = v.indexOf(':');
  if (at <= 0) fail(`--sasl-user takes NAME:PASSWORD, not "${v}"`);
  return { username: v.slice(0, at), password: v.slice(at + 1) };
}

function parseSaslMechanisms(v: string): SaslMechanism[] {
  const names = v.split(',').map((m) => m.trim().toUpperCase()).filter((m) => m !== '');
  const unknown = names.filter((m) => !isSaslMechanism(m));
  if (names.length === 0 || unknown.length > 0) {
    fail(`--sasl-mechanisms takes some of ${SASL_MECHANISMS.join(',')}, not "${v}"`);
  }
  return names as SaslMechanism[];
}

export async function main(argv: string[]): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        nodes: { type: 'string' },
        'data-dir': { type: 'string' },
        'in-memory': { type: 'boolean' },
        'advertised-host': { type: 'string' },
        'advertised-port': { type: 'string' },
        partitions: { type: 'string' },
        'no-auto-create': { type: 'boolean' },
        flush: { type: 'string' },
        'sasl-port': { type: 'string' },
        'sasl-user': { type: 'string', multiple: true },
        'sasl-mechanisms': { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    fail((e as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const partitions = values.partitions === undefined ? 1 : Number(values.partitions);
  if (!Number.isInteger(partitions) || partitions < 1) fail(`--partitions must be a positive integer`);
  const nodes = values.nodes === undefined ? 1 : Number(values.nodes);
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > MAX_NODES) fail(`--nodes must be an integer 1..${MAX_NODES}, not "${values.nodes}"`);
  const dataDir = values['in-memory'] ? null : resolve(values['data-dir'] ?? '.data/broker');
  const quiet = values.quiet ?? false;
  const opts: Partial<BrokerOptions> = {
    host: values.host ?? '127.0.0.1',
    port: parsePort('--port', values.port) ?? 9092,
    nodes,
    dataDir,
    defaultPartitions: partitions,
    autoCreateTopics: !values['no-auto-create'],
    flush: values.flush ? parseFlush(values.flush) : { mode: 'os' },
    logger: (level, message) => {
      if (level === 'info' && quiet) return;
      (level === 'info' ? console.log : console.error)(`[broker] ${level}: ${message}`);
    },
  };
  const saslPort = parsePort('--sasl-port', values['sasl-port']);
  if (saslPort !== undefined) {
    opts.saslPort = saslPort;
    opts.saslUsers = (values['sasl-user'] ?? []).map(parseSaslUser);
    if (values['sasl-mechanisms'] !== undefined) opts.saslMechanisms = parseSaslMechanisms(values['sasl-mechanisms']);
  } else if (values['sasl-user'] || values['sasl-mechanisms'] !== undefined) {
    fail('--sasl-user and --sasl-mechanisms need --sasl-port');
  }
  if (values['advertised-host']) opts.advertisedHost = values['advertised-host'];
  const ap = parsePort('--advertised-port', values['advertised-port']);
  if (ap !== undefined) opts.advertisedPort = ap;
  let running;
  try {
    running = await startBroker(opts);
  } catch (e) {
    console.error(`error: could not start the broker: ${(e as Error).message}`);
    process.exit(1);
  }
  console.log(
    `Streamwatch embedded broker listening on ${running.bootstrap} ` +
      `(${dataDir ? `data in ${dataDir}` : 'in memory'}). Try: kcat -b ${running.bootstrap} -L`,
  );
  for (const node of running.broker.cluster.nodes) {
    for (const l of node.listeners) console.log(`  node ${node.nodeId}: ${l.name} on ${l.advertised.host}:${l.advertised.port}`);
  }
  const sasl = running.saslBootstrapServers[0];
  if (sasl) {
    const { mechanisms } = running.broker.sasl!;
    const users = opts.saslUsers!.map((u) => u.username);
    console.log(
      `SASL_PLAINTEXT listener on ${sasl} (${mechanisms.join(', ')}; users: ${users.join(', ') || 'none'}). ` +
        `Try: kcat -b ${sasl} -X security.protocol=SASL_PLAINTEXT -X sasl.mechanisms=${mechanisms.at(-1)} ` +
        `-X sasl.username=${users[0] ?? 'NAME'} -X sasl.password=PASSWORD -L`,
    );
  }
  const stop = async (signal: string) => {
    console.log(`${signal}: stopping the broker`);
    await running.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('cli.ts')) {
  void main(process.argv.slice(2));
}
