// Compression throughput of the record-batch codecs (core/protocol/records/compression.ts) on
// batch-sized payloads: the records section of magic-2 batches of JSON-ish events, as a
// producer hands it to the codec. Figures are MB/s of uncompressed bytes, as ratios against
// gzip through node:zlib (level 6, the default), measured in the same run; a memcpy of the same
// payloads shows the ceiling. In-process and CPU-bound: every cell is the best of a few short
// rounds, so another process taking a core for a moment does not decide the figure.
import { gunzipSync, gzipSync } from 'node:zlib';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BATCH_HEADER_SIZE, encodeRecordBatch, type Compression, type RecordInput } from '../core/protocol/records/index.js';
import { KiB, mbps, nowMs } from './util.js';

/** What the bench measures: compression.ts's exports, or another module with the same two. */
export interface Codecs {
  compress(codec: Compression, data: Uint8Array): Buffer;
  decompress(codec: Compression, data: Uint8Array): Buffer;
}

export const DEFAULT_CODECS = '../core/protocol/records/compression.js';

const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const satisfies Compression[];
const BATCH_SIZES = [16 * KiB, 64 * KiB];
/** Distinct batches per size, cycled through, so no codec sees the same bytes twice in a row. */
const BATCHES = 24;

/** Deterministic PRNG (xorshift32): the same payloads in every run. */
function prng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return Math.floor(((s >>> 0) / 0x1_0000_0000) * n);
  };
}

const EVENTS = ['page_view', 'add_to_cart', 'checkout', 'payment_authorized', 'shipment_created', 'search'];
const COUNTRIES = ['DE', 'FR', 'US', 'JP', 'BR', 'IN', 'GB', 'NL'];

/** One event of a few hundred bytes: repeated field names, varied values, some free text. */
function event(rand: (n: number) => number, i: number): RecordInput {
  const user = rand(50_000);
  const value = {
    eventId: `${(0x10000000 + rand(0xefffffff)).toString(16)}-${rand(0xffff).toString(16)}-${i}`,
    type: EVENTS[rand(EVENTS.length)],
    userId: `user-${user}`,
    sessionId: (rand(0x7fffffff) * 31).toString(36),
    timestamp: 1_700_000_000_000 + i * 37 + rand(1000),
    page: { path: `/products/${rand(5000)}`, referrer: rand(3) === 0 ? null : `https://search.example.com/?q=item+${rand(900)}` },
    cart: Array.from({ length: rand(4) }, () => ({ sku: `SKU-${rand(100_000)}`, qty: 1 + rand(3), price: rand(20_000) / 100 })),
    geo: { country: COUNTRIES[rand(COUNTRIES.length)], city: `city-${rand(300)}` },
    userAgent: `Mozilla/5.0 (X11; Linux x86_64) Chrome/${120 + rand(10)}.0.${rand(9999)}.0`,
  };
  return { key: Buffer.from(`user-${user}`), value: Buffer.from(JSON.stringify(value)), timestamp: value.timestamp };
}

/** Records sections (what compress() receives) of about `bytes` each. */
export function batchPayloads(bytes: number, count: number, seed = 1): Buffer[] {
  const rand = prng(seed);
  const out: Buffer[] = [];
  let i = 0;
  for (let b = 0; b < count; b++) {
    const records: RecordInput[] = [];
    let size = 0;
    while (size < bytes) {
      const r = event(rand, i++);
      records.push(r);
      size += r.value!.length + r.key!.length + 12;
    }
    const batch = encodeRecordBatch({ records, compression: 'none' });
    out.push(batch.subarray(BATCH_HEADER_SIZE));
  }
  return out;
}

/** Best MB/s of `rounds` runs of `fn` over the inputs, each run about `budgetMs` long. */
function throughput(inputs: readonly Buffer[], bytesOf: (i: number) => number, fn: (b: Buffer) => unknown, rounds: number, budgetMs: number): number {
  for (let i = 0; i < Math.min(inputs.length, 8); i++) fn(inputs[i]!); // warm-up
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    let bytes = 0;
    let n = 0;
    const t0 = nowMs();
    let t = t0;
    // Bounded both ways: at least one pass over the inputs, at most ~budgetMs or 1e6 calls.
    while ((n < inputs.length || t - t0 < budgetMs) && n < 1_000_000) {
      const k = n % inputs.length;
      fn(inputs[k]!);
      bytes += bytesOf(k);
      n++;
      if ((n & 7) === 0 || n >= inputs.length) t = nowMs();
    }
    best = Math.max(best, mbps(bytes, nowMs() - t0));
  }
  return best;
}

export interface CompressionRow {
  what: string;
  batch: string;
  compress: string;
  compressRatio: string;
  decompress: string;
  decompressRatio: string;
  size: string;
}

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');

export async function loadCodecs(path: string | undefined): Promise<{ codecs: Codecs; label: string }> {
  const url = path === undefined ? new URL(DEFAULT_CODECS, import.meta.url).href : pathToFileURL(resolve(path)).href;
  const mod = (await import(url)) as Partial<Codecs>;
  if (typeof mod.compress !== 'function' || typeof mod.decompress !== 'function') throw new Error(`${url} does not export compress and decompress`);
  return { codecs: mod as Codecs, label: path === undefined ? 'core/protocol/records/compression.ts' : resolve(path) };
}

/** Measures every codec at every batch size; returns the table's rows. */
export function measureCompression(codecs: Codecs, { quick = false } = {}): CompressionRow[] {
  const rounds = quick ? 1 : 3;
  const budgetMs = quick ? 60 : 250;
  const rows: CompressionRow[] = [];
  for (const size of BATCH_SIZES) {
    const payloads = batchPayloads(size, BATCHES, size);
    const total = payloads.reduce((n, p) => n + p.length, 0);
    const label = `${size / KiB} KiB`;
    const raw = (i: number) => payloads[i]!.length;
    const scratch = Buffer.allocUnsafe(Math.max(...payloads.map((p) => p.length)));
    const memcpy = throughput(payloads, raw, (p) => p.copy(scratch), rounds, budgetMs);
    rows.push({ what: 'baseline memcpy', batch: label, compress: `${f1(memcpy)} MB/s`, compressRatio: '', decompress: '', decompressRatio: '', size: '' });
    const gz = payloads.map((p) => gzipSync(p));
    const gzipC = throughput(payloads, raw, (p) => gzipSync(p), rounds, budgetMs);
    const gzipD = throughput(gz, raw, (p) => gunzipSync(p), rounds, budgetMs);
    const gzSize = total / gz.reduce((n, p) => n + p.length, 0);
    rows.push({ what: 'baseline node:zlib gzip', batch: label, compress: `${f1(gzipC)} MB/s`, compressRatio: '1.00×', decompress: `${f1(gzipD)} MB/s`, decompressRatio: '1.00×', size: `${f2(gzSize)}:1` });
    for (const codec of CODECS) {
      try {
        const packed = payloads.map((p) => codecs.compress(codec, p));
        packed.forEach((c, i) => {
          if (!codecs.decompress(codec, c).equals(payloads[i]!)) throw new Error(`${codec} does not round-trip`);
        });
        const c = throughput(payloads, raw, (p) => codecs.compress(codec, p), rounds, budgetMs);
        const d = throughput(packed, raw, (p) => codecs.decompress(codec, p), rounds, budgetMs);
        const ratio = total / packed.reduce((n, p) => n + p.length, 0);
        rows.push({ what: codec, batch: label, compress: `${f1(c)} MB/s`, compressRatio: `${f2(c / gzipC)}×`, decompress: `${f1(d)} MB/s`, decompressRatio: `${f2(d / gzipD)}×`, size: `${f2(ratio)}:1` });
      } catch (e) {
        rows.push({ what: codec, batch: label, compress: `error: ${(e as Error).message.slice(0, 80)}`, compressRatio: '', decompress: '', decompressRatio: '', size: '' });
      }
    }
  }
  return rows;
}

export function printCompression(rows: CompressionRow[], label: string): void {
  const head: CompressionRow = { what: 'codec', batch: 'batch', compress: 'compress', compressRatio: '× gzip', decompress: 'decompress', decompressRatio: '× gzip', size: 'size ratio' };
  const cols = Object.keys(head) as (keyof CompressionRow)[];
  const width = Object.fromEntries(cols.map((c) => [c, Math.max(...[head, ...rows].map((r) => r[c].length))])) as Record<keyof CompressionRow, number>;
  const line = (r: CompressionRow) => cols.map((c) => r[c].padEnd(width[c])).join(' | ').trimEnd();
  console.log('');
  console.log(`compression (${label}): records sections of ${BATCHES} batches per size, JSON events of 280-450 B; MB/s of uncompressed bytes`);
  console.log(line(head));
  console.log(cols.map((c) => '-'.repeat(width[c])).join('-|-'));
  for (const r of rows) console.log(line(r));
}
