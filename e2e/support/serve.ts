// The web shell for the e2e journeys: a fresh Session (state in --state-dir) behind
// startWebShell on 127.0.0.1, a free port, NOT connected to any cluster — the journeys connect
// from the Connect view themselves ("Use embedded cluster", or a bootstrap address).
// Prints the same first line as `npm run web` ("Streamwatch console: <url with token>") and
// closes everything (instances, load, monitor, embedded broker) on SIGTERM / SIGINT or when its
// stdin closes (the parent test process went away).
//
//   tsx e2e/support/serve.ts --state-dir /tmp/sw-e2e-XXXX
import { parseArgs } from 'node:util';
import { Session } from '../../core/session/session.js';
import { closeOnce, startWebShell } from '../../main/web-shell.js';
import { STATIC_DIR } from '../../main/web.js';

const { values } = parseArgs({ options: { 'state-dir': { type: 'string' } }, strict: true });
const stateDir = values['state-dir'];
if (stateDir === undefined) {
  process.stderr.write('usage: tsx e2e/support/serve.ts --state-dir DIR\n');
  process.exit(2);
}

const session = new Session({ stateDir, embeddedPort: 0 });
const shell = await startWebShell({ session, port: 0, staticDir: STATIC_DIR });
process.stdout.write(`Streamwatch console: ${shell.url}\n`);

const close = closeOnce(shell, session, 20_000, (why) => process.stdout.write(`Streamwatch: closing (${why})\n`));
process.on('SIGTERM', () => void close('SIGTERM'));
process.on('SIGINT', () => void close('SIGINT'));
process.stdin.on('end', () => void close('stdin closed'));
process.stdin.on('error', () => void close('stdin error'));
process.stdin.resume();
