// A GUI process outlives the terminal or parent that reads its stdout (npm start gone, a pipe
// closed): the next console.log then fails with EPIPE, and an unhandled 'error' on stdout is an
// uncaught exception — in Electron a crash dialog. Nothing the app prints is worth that.
import type { Writable } from 'node:stream';

export function ignoreBrokenStdio(streams: readonly Writable[]): void {
  for (const stream of streams) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      // EPIPE, ERR_STREAM_DESTROYED after it, EBADF on a closed descriptor: the reader is gone.
      void err;
    });
  }
}
