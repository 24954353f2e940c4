import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeRecordBatch, encodeRecordBatch } from '../../protocol/records/index.js';
import { OffsetOutOfRangeError, PartitionLog, type FlushPolicy, type LogConfig } from './index.js';
import { batch, offsetsOf, range } from './testing.js';

const BIG: LogConfig = { segmentBytes: 1 << 30, segmentMs: 7 * 24 * 3600 * 1000, retentionMs: -1, retentionBytes: -1 };

const dirs: string[] = [];
const logs: PartitionLog[] = [];
afterEach(() => {
  for (const l of logs.splice(0)) {
    try {
      l.close();
    } catch {
      // already closed or deleted
    }
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sw-log-'));
  dirs.push(d);
  return join(d, 'topic-0');
}

for (const mode of ['memory', 'disk'] as const) {
  describe(`PartitionLog (${mode})`, () => {
    function open(config: Partial<LogConfig> = {}, opts: { now?: () => number; flush?: FlushPolicy; dir?: string | null } = {}): PartitionLog {
      const dir = opts.dir !== undefined ? opts.dir : mode === 'disk' ? tempDir() : null;
      const log = PartitionLog.open({ dir, config: { ...BIG, ...config }, flush: opts.flush ?? { mode: 'os' }, now: opts.now });
      logs.push(log);
      return log;
    }

    it('assigns offsets by rewriting baseOffset and reads them back', () => {
      const log = open();
      expect([log.logStartOffset, log.logEndOffset, log.sizeBytes, log.segmentCount]).toEqual([0, 0, 0, 1]);
      const b1 = batch(2);
      expect(log.append([b1])).toEqual({ baseOffset: 0, lastOffset: 1 });
      expect(decodeRecordBatch(b1).header.baseOffset).toBe(0);
      const b2 = batch(3);
      const b3 = batch(1);
      expect(log.append([b2, b3])).toEqual({ baseOffset: 2, lastOffset: 5 });
      expect(decodeRecordBatch(b2).header.baseOffset).toBe(2);
      expect(decodeRecordBatch(b3).header.baseOffset).toBe(5);
      expect(log.logEndOffset).toBe(6);
      expect(log.sizeBytes).toBe(b1.length + b2.length + b3.length);
      const r = log.read(0, 1 << 20);
      expect(r.bytes).toBe(log.sizeBytes);
      expect(Buffer.concat(r.chunks).equals(Buffer.concat([b1, b2, b3]))).toBe(true);
      expect(offsetsOf(r.chunks)).toEqual(range(0, 6));
      expect([...log.batches()].map((b) => [b.baseOffset, b.lastOffset, b.position, b.size])).toEqual([
        [0, 1, 0, b1.length],
        [2, 4, b1.length, b2.length],
        [5, 5, b1.length + b2.length, b3.length],
      ]);
    });

    it('appends nothing for an empty batch list', () => {
      const log = open();
      log.append([batch(2)]);
      expect(log.append([])).toEqual({ baseOffset: 2, lastOffset: 1 });
      expect(log.logEndOffset).toBe(2);
    });

    it('rejects buffers that are not a single batch, before writing anything', () => {
      const log = open();
      const good = batch(1);
      expect(() => log.append([good, Buffer.alloc(10)])).toThrow(/magic-2/);
      expect(() => log.append([Buffer.concat([batch(1), batch(1)])])).toThrow(/magic-2/);
      expect(log.logEndOffset).toBe(0);
      expect(log.sizeBytes).toBe(0);
    });

    it('reads starting in the middle of a batch return that whole batch', () => {
      const log = open();
      log.append([batch(3), batch(3), batch(3)]);
      expect(offsetsOf(log.read(4, 1 << 20).chunks)).toEqual(range(3, 9));
      expect(offsetsOf(log.read(8, 1 << 20).chunks)).toEqual(range(6, 9));
      expect(log.read(9, 1 << 20)).toEqual({ chunks: [], bytes: 0 });
    });

    it('honours maxBytes with whole batches, and minOneBatch', () => {
      const log = open();
      const sizes = [batch(2), batch(2), batch(2)].map((b) => {
        log.append([b]);
        return b.length;
      });
      expect(offsetsOf(log.read(0, sizes[0]! + sizes[1]!).chunks)).toEqual(range(0, 4));
      expect(offsetsOf(log.read(0, sizes[0]! + sizes[1]! - 1).chunks)).toEqual(range(0, 2));
      expect(log.read(0, 10)).toEqual({ chunks: [], bytes: 0 });
      const one = log.read(0, 10, { minOneBatch: true });
      expect(one.bytes).toBe(sizes[0]);
      expect(offsetsOf(one.chunks)).toEqual([0, 1]);
      expect(log.read(2, 0, { minOneBatch: true }).bytes).toBe(sizes[1]);
    });

    it('returns only batches below upperBound', () => {
      const log = open();
      log.append([batch(2), batch(3), batch(1)]);
      expect(offsetsOf(log.read(0, 1 << 20, { upperBound: 5 }).chunks)).toEqual(range(0, 5));
      expect(offsetsOf(log.read(0, 1 << 20, { upperBound: 3 }).chunks)).toEqual(range(0, 5)); // batch 2-4 starts below 3
      expect(offsetsOf(log.read(0, 1 << 20, { upperBound: 2 }).chunks)).toEqual([0, 1]);
      expect(log.read(2, 1 << 20, { upperBound: 2 }).bytes).toBe(0);
      expect(log.read(0, 1 << 20, { upperBound: 0, minOneBatch: true }).bytes).toBe(0);
    });

    it('throws OffsetOutOfRangeError outside [logStartOffset, logEndOffset]', () => {
      const log = open();
      log.append([batch(5)]);
      expect(() => log.read(6, 100)).toThrow(OffsetOutOfRangeError);
      expect(() => log.read(-1, 100)).toThrow(OffsetOutOfRangeError);
      log.deleteRecordsBefore(3);
      expect(() => log.read(2, 100)).toThrow(OffsetOutOfRangeError);
      // A read at the log start returns the batch containing it, including earlier records.
      expect(offsetsOf(log.read(3, 1 << 20).chunks)).toEqual(range(0, 5));
    });

    it('rolls segments by size and reads across them', () => {
      const b = batch(4);
      const log = open({ segmentBytes: b.length * 3 });
      for (let i = 0; i < 10; i++) log.append([batch(4)]);
      expect(log.segmentCount).toBe(4);
      expect(log.segmentBaseOffsets()).toEqual([0, 12, 24, 36]);
      expect(offsetsOf(log.read(0, 1 << 20).chunks)).toEqual(range(0, 40));
      const mid = log.read(10, b.length * 4);
      expect(offsetsOf(mid.chunks)).toEqual(range(8, 24));
      expect(mid.chunks.length).toBeGreaterThanOrEqual(2); // one chunk at least per segment
      expect([...log.batches()].filter((x) => x.position === 0).map((x) => x.baseOffset)).toEqual([0, 12, 24, 36]);
      // A batch larger than segmentBytes still goes in, alone in its segment.
      log.append([batch(100, 1000, 50)]);
      expect(log.logEndOffset).toBe(140);
    });

    it('rolls segments by age', () => {
      let now = 1_000_000;
      const log = open({ segmentMs: 1000 }, { now: () => now });
      log.append([batch(1)]);
      now += 500;
      log.append([batch(1)]);
      expect(log.segmentCount).toBe(1);
      now += 600;
      log.append([batch(1)]);
      expect(log.segmentCount).toBe(2);
      expect(log.segmentBaseOffsets()).toEqual([0, 2]);
    });

    it('uses a sparse offset index that finds every offset', () => {
      const log = open({ indexIntervalBytes: 200, segmentBytes: 5000 });
      const sizes: number[] = [];
      for (let i = 0; i < 120; i++) {
        const b = batch(1 + (i % 4), 1000 + i * 10, 10 + (i % 7) * 30);
        sizes.push(b.length);
        log.append([b]);
      }
      expect(log.segmentCount).toBeGreaterThan(3);
      const all = [...log.batches()];
      for (let offset = 0; offset < log.logEndOffset; offset += 3) {
        const expected = all.find((b) => b.lastOffset >= offset)!;
        const r = log.read(offset, 1, { minOneBatch: true });
        expect(decodeRecordBatch(r.chunks[0]!).header.baseOffset).toBe(expected.baseOffset);
      }
    });

    it('deleteRecordsBefore advances the log start offset and drops whole segments', () => {
      const b = batch(5);
      const log = open({ segmentBytes: b.length * 2 });
      for (let i = 0; i < 6; i++) log.append([batch(5)]);
      expect(log.segmentBaseOffsets()).toEqual([0, 10, 20]);
      expect(log.deleteRecordsBefore(7)).toBe(7);
      expect(log.segmentCount).toBe(3);
      expect(log.deleteRecordsBefore(3)).toBe(7); // never moves back
      expect(log.deleteRecordsBefore(10)).toBe(10);
      expect(log.segmentBaseOffsets()).toEqual([10, 20]);
      expect(log.deleteRecordsBefore(30)).toBe(30); // = log end: the active segment stays
      expect(log.segmentBaseOffsets()).toEqual([20]);
      expect(log.read(30, 100)).toEqual({ chunks: [], bytes: 0 });
      expect(() => log.deleteRecordsBefore(31)).toThrow(RangeError);
      log.append([batch(1)]);
      expect(offsetsOf(log.read(30, 1000).chunks)).toEqual([30]);
    });

    it('enforces retention by bytes, never deleting the active segment', () => {
      const b = batch(5);
      const log = open({ segmentBytes: b.length * 2, retentionBytes: b.length * 3 });
      for (let i = 0; i < 7; i++) log.append([batch(5)]);
      expect(log.segmentBaseOffsets()).toEqual([0, 10, 20, 30]);
      expect(log.enforceRetention()).toEqual({ deletedSegments: 2, newLogStartOffset: 20 });
      expect(log.sizeBytes).toBe(b.length * 3);
      expect(log.logStartOffset).toBe(20);
      log.updateConfig({ ...BIG, segmentBytes: b.length * 2, retentionBytes: 0 });
      expect(log.enforceRetention()).toEqual({ deletedSegments: 1, newLogStartOffset: 30 });
      expect(log.segmentCount).toBe(1);
      expect(log.enforceRetention().deletedSegments).toBe(0);
      expect(() => log.read(29, 10)).toThrow(OffsetOutOfRangeError);
    });

    it('enforces retention by time using the newest record of each segment', () => {
      let now = 10_000;
      const b = batch(2);
      const log = open({ segmentBytes: b.length * 2, retentionMs: 1000 }, { now: () => now });
      log.append([batch(2, 1000)]);
      log.append([batch(2, 2000)]); // segment 0: newest record at 2001
      log.append([batch(2, 5000)]);
      log.append([batch(2, 9000)]); // segment 4: newest 9001
      log.append([batch(2, 9500)]); // active segment 8
      expect(log.segmentBaseOffsets()).toEqual([0, 4, 8]);
      expect(log.enforceRetention()).toEqual({ deletedSegments: 1, newLogStartOffset: 4 });
      now = 10_001;
      expect(log.enforceRetention().deletedSegments).toBe(0); // 10 001 - 9 001 = 1000, not older
      now = 20_000;
      expect(log.enforceRetention()).toEqual({ deletedSegments: 1, newLogStartOffset: 8 });
      expect(log.segmentCount).toBe(1);
    });

    describe('offsetForTimestamp', () => {
      function timeline(): PartitionLog {
        const log = open({ segmentBytes: 400, indexIntervalBytes: 100 });
        // offsets 0-2 @100,110,120; 3-5 @200,..; gzip batch 6-9 @300,305,310,315 stored out of order
        log.append([encodeRecordBatch({ records: [100, 110, 120].map((t) => ({ value: Buffer.from('a'), timestamp: t })) })]);
        log.append([encodeRecordBatch({ records: [200, 210, 220].map((t) => ({ value: Buffer.from('b'), timestamp: t })) })]);
        log.append([
          encodeRecordBatch({ compression: 'gzip', records: [300, 315, 305, 310].map((t) => ({ value: Buffer.alloc(50), timestamp: t })) }),
        ]);
        for (let i = 0; i < 20; i++) log.append([batch(2, 1000 + i * 100)]); // offsets 10-49
        return log;
      }

      it('finds exact, between, first and last records, and null after the end', () => {
        const log = timeline();
        expect(log.segmentCount).toBeGreaterThan(2);
        expect(log.offsetForTimestamp(110)).toEqual({ offset: 1, timestamp: 110 });
        expect(log.offsetForTimestamp(111)).toEqual({ offset: 2, timestamp: 120 });
        expect(log.offsetForTimestamp(0)).toEqual({ offset: 0, timestamp: 100 });
        expect(log.offsetForTimestamp(-5)).toEqual({ offset: 0, timestamp: 100 });
        expect(log.offsetForTimestamp(121)).toEqual({ offset: 3, timestamp: 200 });
        expect(log.offsetForTimestamp(2901)).toEqual({ offset: 49, timestamp: 2901 });
        expect(log.offsetForTimestamp(2902)).toBeNull();
        for (let i = 0; i < 20; i++) expect(log.offsetForTimestamp(1000 + i * 100)).toEqual({ offset: 10 + 2 * i, timestamp: 1000 + i * 100 });
      });

      it('works at record granularity inside a compressed batch', () => {
        const log = timeline();
        expect(log.offsetForTimestamp(300)).toEqual({ offset: 6, timestamp: 300 });
        expect(log.offsetForTimestamp(301)).toEqual({ offset: 7, timestamp: 315 }); // first in offset order with ts >= 301
        expect(log.offsetForTimestamp(311)).toEqual({ offset: 7, timestamp: 315 });
        expect(log.offsetForTimestamp(316)).toEqual({ offset: 10, timestamp: 1000 });
      });

      it('skips records below the log start offset', () => {
        const log = timeline();
        log.deleteRecordsBefore(2);
        expect(log.offsetForTimestamp(0)).toEqual({ offset: 2, timestamp: 120 });
        log.deleteRecordsBefore(12);
        expect(log.offsetForTimestamp(0)).toEqual({ offset: 12, timestamp: 1100 });
      });

      it('uses the append time for LogAppendTime batches', () => {
        const log = open();
        log.append([batch(3, 100)], { logAppendTime: 5000 });
        expect(log.offsetForTimestamp(101)).toEqual({ offset: 0, timestamp: 5000 });
        expect(log.offsetForTimestamp(5001)).toBeNull();
      });

      it('returns null for an empty log', () => {
        expect(open().offsetForTimestamp(0)).toBeNull();
      });
    });

    it('applies append options: partitionLeaderEpoch and logAppendTime', () => {
      const log = open();
      const b = batch(2, 100);
      log.append([b], { partitionLeaderEpoch: 4, logAppendTime: 777 });
      const { header, records } = decodeRecordBatch(Buffer.concat(log.read(0, 1 << 20).chunks));
      expect(header.partitionLeaderEpoch).toBe(4);
      expect(header.maxTimestamp).toBe(777);
      expect(records.map((r) => r.timestamp)).toEqual([777, 777]);
    });

    it('flushes per policy', async () => {
      const always = open({}, { flush: { mode: 'always' } });
      always.append([batch(1)]);
      always.append([batch(1)]);
      expect(always.flushCount).toBe(2);
      const os = open({}, { flush: { mode: 'os' } });
      os.append([batch(1)]);
      expect(os.flushCount).toBe(0);
      os.flush();
      expect(os.flushCount).toBe(1);
      if (mode === 'disk') {
        const interval = open({}, { flush: { mode: 'interval', ms: 30 } });
        interval.append([batch(1)]);
        interval.append([batch(1)]);
        const before = interval.flushCount;
        expect(before).toBeLessThanOrEqual(1);
        await new Promise((r) => setTimeout(r, 80));
        expect(interval.flushCount).toBe(before + 1);
        interval.append([batch(1)]); // schedules again; close must clear the timer
        interval.close();
        await new Promise((r) => setTimeout(r, 50));
      }
    });

    it('refuses to be used after close', () => {
      const log = open();
      log.append([batch(1)]);
      log.close();
      log.close(); // idempotent
      expect(() => log.append([batch(1)])).toThrow(/closed/);
      expect(() => log.read(0, 100)).toThrow(/closed/);
    });

    it('memory reads are slices of the stored batches', () => {
      if (mode !== 'memory') return;
      const log = open();
      const b = batch(2);
      log.append([b, batch(1)]);
      const r1 = log.read(0, 1 << 20);
      const r2 = log.read(0, 1 << 20);
      expect(r1.chunks).toHaveLength(2);
      expect(r1.chunks[0]!.buffer).toBe(r2.chunks[0]!.buffer);
      expect(r1.chunks[0]!.equals(b)).toBe(true);
      b[30] = b[30]! ^ 0xff; // the caller's buffer is not the stored copy
      expect(log.read(0, 1 << 20).chunks[0]!.equals(b)).toBe(false);
    });
  });
}
