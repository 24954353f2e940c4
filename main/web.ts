// `npm run web`: the console as a web page. Starts the session and the web shell on 127.0.0.1,
// prints the address to open (it carries the access token), and connects to the embedded cluster
// (the default) or to the cluster given with --bootstrap.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { BootstrapAddress } from '../core/session/api.js';
import { Session } from '../core/session/session.js';
import { startWebShell } from './web-shell.js';
import { ensureRenderer } from './renderer-build.js';

export { startWebShell, toCommandError } from './web-shell.js';
export type { WebShell, WebShellOptions, WebShellSession } from './web-shell.js';

const USAGE = `Usage: npm run web -- [options]

  --port N            HTTP port on 127.0.0.1 (default 0: a free port)
  --embedded          start the embedded cluster and connect to it (the default)
  --bootstrap H:P     connect to this cluster instead (comma-separated for several brokers)
  --embedded-port N   port of the embedded cluster (default 0: a free port)
  --state-dir DIR     profiles and the embedded cluster's data (default ~/.streamwatch,
                      or $STREAMWATCH_STATE_DIR)
  --help              this text
`;

export const STATIC_DIR = fileURLToPath(new URL('../dist/renderer', import.meta.url));

export interface WebCliOptions {
  port: number;
  embeddedPort: number;
  bootstrap: string[] | null;
  stateDir: string;
}

/** The command line as options, or a message saying what is wrong with it. */
export function parseWebArgs(argv: string[]): WebCliOptions | { help: true } | { error: string } {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        port: { type: 'string' },
        embedded: { type: 'boolean' },
        bootstrap: { type: 'string' },
        'embedded-port': { type: 'string' },
        'state-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    return { error: (error as Error).message };
  }
  if (values.help) return { help: true };
  const port = portOf(values.port, '--port');
  if (typeof port === 'string') return { error: port };
  const embeddedPort = portOf(values['embedded-port'], '--embedded-port');
  if (typeof embeddedPort === 'string') return { error: embeddedPort };
  if (values.embedded && values.bootstrap !== undefined) return { error: 'choose one of --embedded and --bootstrap' };
  let bootstrap: string[] | null = null;
  if (values.bootstrap !== undefined) {
    bootstrap = values.bootstrap.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    const bad = bootstrap.find((b) => !BootstrapAddress.safeParse(b).success);
    if (bootstrap.length === 0 || bad !== undefined) return { error: `--bootstrap expects host:port[,host:port…], got '${bad ?? values.bootstrap}'` };
  }
  const stateDir = resolve(values['state-dir'] ?? process.env['STREAMWATCH_STATE_DIR'] ?? join(homedir(), '.streamwatch'));
  return { port, embeddedPort, bootstrap, stateDir };
}

function portOf(value: string | undefined, flag: string): number | string {
  if (value === undefined) return 0;
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 && n <= 65535 && /^\d+$/.test(value) ? n : `${flag} expects a port number (0-65535), got '${value}'`;
}

export async function main(argv: string[]): Promise<void> {
  const parsed = parseWebArgs(argv);
  if ('help' in parsed) {
    process.stdout.write(USAGE);
    return;
  }
  if ('error' in parsed) {
    process.stderr.write(`${parsed.error}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  await ensureRenderer();
  const session = new Session({ stateDir: parsed.stateDir, embeddedPort: parsed.embeddedPort });
  let shell;
  try {
    shell = await startWebShell({ session, port: parsed.port, staticDir: STATIC_DIR });
  } catch (error) {
    await session.close();
    process.stderr.write(`Streamwatch: ${(error as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  const web = shell;
  process.stdout.write(`Streamwatch console: ${web.url}\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      process.stderr.write(`${signal} again: exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    process.stdout.write('Streamwatch: closing (stopping instances and the embedded cluster)…\n');
    void (async () => {
      await web.close();
      await session.close();
      process.exit(0);
    })();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  try {
    if (parsed.bootstrap !== null) {
      const profile = { name: parsed.bootstrap.join(','), bootstrapServers: parsed.bootstrap };
      const { bootstrap } = (await session.handle('cluster.connect', { profile })) as { bootstrap: string };
      process.stdout.write(`Streamwatch: connected to ${bootstrap}\n`);
    } else {
      const { bootstrap } = (await session.handle('cluster.useEmbedded', {})) as { bootstrap: string };
      process.stdout.write(`Streamwatch: embedded cluster on ${bootstrap} (data in ${join(parsed.stateDir, 'embedded')})\n`);
    }
  } catch (error) {
    // The console stays up: the Connect view says the same and offers other clusters.
    if (!stopping) process.stderr.write(`Streamwatch: ${(error as Error).message}\n`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main(process.argv.slice(2));
}
