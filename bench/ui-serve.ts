// Child of bench/ui.ts: a fresh Session (embedded cluster on a free port, state in --state-dir)
// behind the web shell on 127.0.0.1, a free port. Speaks bench/util.ts's JsonChild protocol: the
// first stdout line is {"url"}, then one JSON reply per stdin line:
//   {"command": name, "args": {...}}  → {"ok": true, "result"} | {"ok": false, "error"}
//   stats                             → this process's memoryUsage (rss includes the instances'
//                                       worker threads and the embedded broker: same process)
//   close (or stdin closed, SIGTERM)  → stops the shell and the session (instances, load,
//                                       broker), then exits.
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Session } from '../core/session/session.js';
import { closeOnce, startWebShell } from '../main/web-shell.js';
import { STATIC_DIR } from '../main/web.js';

const { values } = parseArgs({ options: { 'state-dir': { type: 'string' } }, strict: true });
const stateDir = values['state-dir'];
if (stateDir === undefined) {
  process.stderr.write('usage: tsx bench/ui-serve.ts --state-dir DIR\n');
  process.exit(2);
}

const session = new Session({ stateDir, embeddedPort: 0, commandTimeoutMs: 180_000 });
const shell = await startWebShell({ session, port: 0, staticDir: STATIC_DIR });
const reply = (msg: unknown): void => void process.stdout.write(`${JSON.stringify(msg)}\n`);
reply({ url: shell.url });

const closeShell = closeOnce(shell, session, 30_000);
const close = (): Promise<void> => closeShell('closing');
process.on('SIGTERM', () => void close());
process.on('SIGINT', () => void close());

createInterface({ input: process.stdin })
  .on('line', (line) => {
    if (line === 'close') return void close();
    if (line === 'stats') return reply({ ...process.memoryUsage(), cpuMs: process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000 });
    void (async () => {
      try {
        const { command, args } = JSON.parse(line) as { command: string; args: unknown };
        reply({ ok: true, result: await session.handle(command, args) });
      } catch (err) {
        reply({ ok: false, error: err instanceof Error ? err.message : String(err) });
      }
    })();
  })
  .on('close', () => void close());
