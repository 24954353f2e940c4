// Raw Node TCP baselines over loopback, client here, servers in tcp-child.ts: upload into a
// sink in 1 KiB writes, download from a source in 64 KiB writes, and a fixed-rate 1 KiB echo.
import { connect, type Socket } from 'node:net';
import { fixedRate, KiB, mbps, nowMs, summarize, withTimeout, type LatencySummary } from './util.js';

function connectTo(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Writes `bytes` in 1 KiB chunks as fast as backpressure allows; done when the sink answers. */
export async function uploadMBps(port: number, bytes: number, timeoutMs: number): Promise<number> {
  const s = await connectTo(port);
  const chunk = Buffer.alloc(KiB, 0x62);
  try {
    const t0 = nowMs();
    const answered = new Promise<void>((resolve) => s.once('data', () => resolve()));
    let left = Math.ceil(bytes / KiB);
    await withTimeout(
      new Promise<void>((resolve) => {
        const pump = () => {
          while (left > 0) {
            left--;
            if (!s.write(chunk)) return void s.once('drain', pump);
          }
          resolve();
        };
        pump();
      }).then(() => answered),
      timeoutMs,
      'upload baseline did not finish',
    );
    return mbps(Math.ceil(bytes / KiB) * KiB, nowMs() - t0);
  } finally {
    s.destroy();
  }
}

/** Reads from the source until it ends; the source writes `bytes`. */
export async function downloadMBps(port: number, bytes: number, timeoutMs: number): Promise<number> {
  const t0 = nowMs();
  const s = await connectTo(port);
  let got = 0;
  try {
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        s.on('data', (d: Buffer) => (got += d.length));
        s.on('end', () => resolve());
        s.on('error', reject);
      }),
      timeoutMs,
      'download baseline did not finish',
    );
    if (got !== bytes) throw new Error(`download baseline got ${got} bytes, expected ${bytes}`);
    return mbps(got, nowMs() - t0);
  } finally {
    s.destroy();
  }
}

/** Round trips of 1 KiB messages sent at a fixed rate; latencies in µs. */
export async function echoLatencyUs(port: number, ratePerSec: number, durationMs: number): Promise<LatencySummary> {
  const s = await connectTo(port);
  s.setNoDelay(true);
  const msg = Buffer.alloc(KiB, 0x63);
  const sentAt: number[] = [];
  const lat: number[] = [];
  let received = 0;
  let allDone: () => void = () => {};
  let total = Infinity;
  s.on('data', (d: Buffer) => {
    received += d.length;
    const t = nowMs();
    while (lat.length < sentAt.length && received >= (lat.length + 1) * KiB) lat.push((t - sentAt[lat.length]!) * 1000);
    if (lat.length >= total) allDone();
  });
  try {
    total = await fixedRate(ratePerSec, durationMs, () => {
      sentAt.push(nowMs());
      s.write(msg);
    });
    if (lat.length < total) {
      await withTimeout(new Promise<void>((r) => (allDone = r)), 10_000, 'echo replies did not all arrive');
    }
    return summarize(lat);
  } finally {
    s.destroy();
  }
}
