// Baseline servers, run in their own process (as the broker is): a sink that discards bytes
// and answers one byte once it has `sinkBytes`, a source that writes `sourceBytes` in 64 KiB
// chunks then ends, and an echo server. Prints {"sink","source","echo"} ports, then answers
// "close" by closing everything and exiting.
import { createServer, type Server, type Socket } from 'node:net';
import { createInterface } from 'node:readline';

const sinkBytes = Number(process.argv[2]);
const sourceBytes = Number(process.argv[3]);
const CHUNK = Buffer.alloc(64 * 1024, 0x61);
const sockets = new Set<Socket>();

function track(s: Socket): void {
  sockets.add(s);
  s.on('close', () => sockets.delete(s));
  s.on('error', () => s.destroy());
}

const sink = createServer((s) => {
  track(s);
  let got = 0;
  let answered = false;
  s.on('data', (d) => {
    got += d.length;
    if (!answered && got >= sinkBytes) {
      answered = true;
      s.write(Buffer.from([1]));
    }
  });
});

const source = createServer((s) => {
  track(s);
  let left = sourceBytes;
  const pump = () => {
    while (left > 0) {
      const chunk = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
      left -= chunk.length;
      if (!s.write(chunk)) return void s.once('drain', pump);
    }
    s.end();
  };
  pump();
});

const echo = createServer((s) => {
  track(s);
  s.setNoDelay(true);
  s.on('data', (d) => s.write(d));
});

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    });
  });
}

const ports = { sink: await listen(sink), source: await listen(source), echo: await listen(echo) };
console.log(JSON.stringify(ports));

const shutdown = () => {
  for (const s of sockets) s.destroy();
  let open = 3;
  for (const server of [sink, source, echo]) server.close(() => --open === 0 && process.exit(0));
};
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'close') shutdown();
});
process.stdin.on('end', shutdown);
process.once('SIGTERM', shutdown);
