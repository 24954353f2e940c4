// On-disk behaviour: restart, crash recovery, file layout.
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CRC_OFFSET } from '../../protocol/records/index.js';
import { CLEAN_SHUTDOWN_FILE, LOG_START_OFFSET_FILE } from './files.js';
import { PartitionLog, type LogConfig } from './index.js';
import { batch, offsetsOf, range } from './testing.js';

const CONFIG: LogConfig = { segmentBytes: 1 << 30, segmentMs: 7 * 24 * 3600 * 1000, retentionMs: -1, retentionBytes: -1 };

const roots: string[] = [];
const logs: PartitionLog[] = [];
afterEach(() => {
  for (const l of logs.splice(0)) l.close();
  for (const d of roots.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sw-log-'));
  roots.push(d);
  return join(d, 'orders-3');
}

function open(dir: string, config: Partial<LogConfig> = {}, now?: () => number): PartitionLog {
  const log = PartitionLog.open({ dir, config: { ...CONFIG, ...config }, flush: { mode: 'os' }, now });
  logs.push(log);
  return log;
}

/** Closes cleanly, then removes the marker: the next open behaves as after a crash. */
function closeAsCrashed(log: PartitionLog, dir: string): void {
  log.close();
  logs.splice(logs.indexOf(log), 1);
  unlinkSync(join(dir, CLEAN_SHUTDOWN_FILE));
}

function closeCleanly(log: PartitionLog): void {
  log.close();
  logs.splice(logs.indexOf(log), 1);
}

const seg = (dir: string, base: number, suffix = '.log') => join(dir, `${String(base).padStart(20, '0')}${suffix}`);

describe('PartitionLog on disk', () => {
  it('lays files out like Kafka', () => {
    const dir = tempDir();
    const b = batch(3);
    const log = open(dir, { segmentBytes: b.length * 2 });
    for (let i = 0; i < 3; i++) log.append([batch(3)]);
    closeCleanly(log);
    expect(readdirSync(dir).sort()).toEqual(
      [
        CLEAN_SHUTDOWN_FILE,
        '00000000000000000000.index',
        '00000000000000000000.log',
        '00000000000000000000.timeindex',
        '00000000000000000006.index',
        '00000000000000000006.log',
        '00000000000000000006.timeindex',
      ].sort(),
    );
    expect(statSync(seg(dir, 0)).size).toBe(b.length * 2);
    // The checkpoint appears once the log start moves (absent means 0).
    const again = open(dir, { segmentBytes: b.length * 2 });
    again.deleteRecordsBefore(1);
    expect(readFileSync(join(dir, LOG_START_OFFSET_FILE), 'utf8')).toBe('0\n1\n');
  });

  it('writes sparse index entries every indexIntervalBytes', () => {
    const dir = tempDir();
    const b = batch(2);
    const log = open(dir, { indexIntervalBytes: b.length * 3 });
    for (let i = 0; i < 20; i++) log.append([batch(2, 1000 + i)]);
    // An entry before batches 3, 6, 9, ... (the first batch of a segment needs none).
    const index = readFileSync(seg(dir, 0, '.index'));
    expect(index.length).toBe(6 * 8);
    expect([0, 1, 2].map((i) => [index.readInt32BE(i * 8), index.readInt32BE(i * 8 + 4)])).toEqual([
      [6, 3 * b.length],
      [12, 6 * b.length],
      [18, 9 * b.length],
    ]);
    const timeIndex = readFileSync(seg(dir, 0, '.timeindex'));
    expect(timeIndex.length).toBe(6 * 12);
    expect([Number(timeIndex.readBigInt64BE(0)), timeIndex.readInt32BE(8)]).toEqual([1004, 7]); // max so far, and its offset
  });

  it('keeps data, offsets and the log start offset across a clean restart', () => {
    const dir = tempDir();
    const b = batch(4);
    let log = open(dir, { segmentBytes: b.length * 3, indexIntervalBytes: 100 });
    for (let i = 0; i < 10; i++) log.append([batch(4, 1000 + i * 10)]);
    log.deleteRecordsBefore(14);
    const before = Buffer.concat(log.read(14, 1 << 20).chunks);
    const segments = log.segmentBaseOffsets();
    closeCleanly(log);

    log = open(dir, { segmentBytes: b.length * 3, indexIntervalBytes: 100 });
    expect(log.recovery).toEqual({ clean: true, truncatedBytes: 0, droppedSegments: 0 });
    expect(existsSync(join(dir, CLEAN_SHUTDOWN_FILE))).toBe(false); // consumed on open
    expect(log.logStartOffset).toBe(14);
    expect(log.logEndOffset).toBe(40);
    expect(log.segmentBaseOffsets()).toEqual(segments);
    expect(Buffer.concat(log.read(14, 1 << 20).chunks).equals(before)).toBe(true);
    expect(log.offsetForTimestamp(1050)).toEqual({ offset: 20, timestamp: 1050 });
    expect(log.offsetForTimestamp(1093)).toEqual({ offset: 39, timestamp: 1093 });
    expect(log.append([batch(2)])).toEqual({ baseOffset: 40, lastOffset: 41 });
    expect(offsetsOf(log.read(36, 1 << 20).chunks)).toEqual(range(36, 42));
  });

  it('recovers an unclean shutdown with an intact tail without losing anything', () => {
    const dir = tempDir();
    let log = open(dir, { indexIntervalBytes: 64 });
    for (let i = 0; i < 20; i++) log.append([batch(3)]);
    closeAsCrashed(log, dir);
    log = open(dir, { indexIntervalBytes: 64 });
    expect(log.recovery).toEqual({ clean: false, truncatedBytes: 0, droppedSegments: 0 });
    expect(log.logEndOffset).toBe(60);
    expect(offsetsOf(log.read(31, 1 << 20).chunks)).toEqual(range(30, 60));
  });

  it('truncates a torn write (garbage, then half a batch) and continues at the right offset', () => {
    const dir = tempDir();
    let log = open(dir, { indexIntervalBytes: 100 });
    for (let i = 0; i < 5; i++) log.append([batch(2)]);
    const goodSize = log.sizeBytes;
    closeAsCrashed(log, dir);
    const half = batch(7).subarray(0, 40);
    appendFileSync(seg(dir, 0), half);
    log = open(dir, { indexIntervalBytes: 100 });
    expect(log.recovery.truncatedBytes).toBe(40);
    expect(log.sizeBytes).toBe(goodSize);
    expect(log.logEndOffset).toBe(10);
    expect(log.append([batch(3)])).toEqual({ baseOffset: 10, lastOffset: 12 });
    closeAsCrashed(log, dir);

    const garbage = Buffer.from('this is not a record batch at all, just garbage');
    appendFileSync(seg(dir, 0), garbage);
    log = open(dir, { indexIntervalBytes: 100 });
    expect(log.recovery.truncatedBytes).toBe(garbage.length);
    expect(log.logEndOffset).toBe(13);
    expect(offsetsOf(log.read(0, 1 << 20).chunks)).toEqual(range(0, 13));
    expect(log.append([batch(1)]).baseOffset).toBe(13);
  });

  it('truncates at a batch whose CRC does not match, rebuilding the indexes', () => {
    const dir = tempDir();
    let log = open(dir, { indexIntervalBytes: 50 });
    for (let i = 0; i < 8; i++) log.append([batch(2, 1000 + i * 10)]);
    const positions = [...log.batches()].map((b) => b.position);
    closeAsCrashed(log, dir);
    // Flip a byte inside batch 5 (offsets 10-11): it and everything after it must go.
    const file = readFileSync(seg(dir, 0));
    const bad = positions[5]! + 70;
    file[bad] = file[bad]! ^ 0x55;
    writeFileSync(seg(dir, 0), file);
    log = open(dir, { indexIntervalBytes: 50 });
    expect(log.recovery.truncatedBytes).toBe(file.length - positions[5]!);
    expect(log.logEndOffset).toBe(10);
    for (let o = 0; o < 10; o++) expect(offsetsOf(log.read(o, 1, { minOneBatch: true }).chunks)[0]).toBe(o - (o % 2));
    expect(log.offsetForTimestamp(1041)).toEqual({ offset: 9, timestamp: 1041 });
    expect(log.offsetForTimestamp(1050)).toBeNull();
    expect(log.append([batch(2, 5000)]).baseOffset).toBe(10);
    expect(log.offsetForTimestamp(1050)).toEqual({ offset: 10, timestamp: 5000 });
  });

  it('truncates a tail batch whose CRC field itself is damaged', () => {
    const dir = tempDir();
    let log = open(dir);
    log.append([batch(2), batch(2)]);
    const last = [...log.batches()][1]!;
    closeAsCrashed(log, dir);
    const file = readFileSync(seg(dir, 0));
    file.writeUInt32BE(0xdeadbeef, last.position + CRC_OFFSET);
    writeFileSync(seg(dir, 0), file);
    log = open(dir);
    expect(log.logEndOffset).toBe(2);
    expect(log.recovery.truncatedBytes).toBe(last.size);
  });

  it('only trusts the tail after a clean shutdown, and still checks it', () => {
    const dir = tempDir();
    let log = open(dir);
    log.append([batch(2), batch(2)]);
    closeCleanly(log);
    // Damage the framing after a clean close (e.g. the file was copied while being written).
    appendFileSync(seg(dir, 0), batch(3).subarray(0, 30));
    log = open(dir);
    expect(log.recovery).toMatchObject({ clean: true, truncatedBytes: 30 });
    expect(log.logEndOffset).toBe(4);
  });

  it('rebuilds torn or missing index files', () => {
    const dir = tempDir();
    const b = batch(2);
    let log = open(dir, { segmentBytes: b.length * 10, indexIntervalBytes: 50 });
    for (let i = 0; i < 25; i++) log.append([batch(2, 1000 + i)]);
    closeCleanly(log);
    truncateSync(seg(dir, 0, '.index'), statSync(seg(dir, 0, '.index')).size - 3);
    unlinkSync(seg(dir, 10 * 2, '.timeindex'));
    log = open(dir, { segmentBytes: b.length * 10, indexIntervalBytes: 50 });
    expect(log.recovery.truncatedBytes).toBe(0);
    for (let o = 0; o < 50; o += 7) expect(offsetsOf(log.read(o, 1, { minOneBatch: true }).chunks)[0]).toBe(o - (o % 2));
    expect(log.offsetForTimestamp(1012)).toEqual({ offset: 23, timestamp: 1012 }); // 2nd record of batch 11, in segment 20
    expect(statSync(seg(dir, 0, '.index')).size % 8).toBe(0);
  });

  it('cleans up orphan index files and interrupted temporary files', () => {
    const dir = tempDir();
    let log = open(dir);
    log.append([batch(1)]);
    closeCleanly(log);
    writeFileSync(seg(dir, 500, '.index'), Buffer.alloc(8));
    writeFileSync(join(dir, `${LOG_START_OFFSET_FILE}.tmp`), 'half');
    log = open(dir);
    expect(readdirSync(dir).filter((n) => n.includes('500') || n.endsWith('.tmp'))).toEqual([]);
    expect(log.logEndOffset).toBe(1);
  });

  it('persists deleteRecordsBefore and retention across restarts', () => {
    const dir = tempDir();
    const b = batch(5);
    let log = open(dir, { segmentBytes: b.length * 2, retentionBytes: b.length * 2 });
    for (let i = 0; i < 6; i++) log.append([batch(5)]);
    expect(log.enforceRetention()).toEqual({ deletedSegments: 2, newLogStartOffset: 20 });
    expect(existsSync(seg(dir, 0))).toBe(false);
    expect(existsSync(seg(dir, 0, '.index'))).toBe(false);
    log.deleteRecordsBefore(23);
    closeAsCrashed(log, dir);
    log = open(dir, { segmentBytes: b.length * 2 });
    expect([log.logStartOffset, log.logEndOffset]).toEqual([23, 30]);
    expect(readFileSync(join(dir, LOG_START_OFFSET_FILE), 'utf8')).toBe('0\n23\n');
  });

  it('starts an empty log at the log start offset when recovery cut below it', () => {
    const dir = tempDir();
    let log = open(dir);
    log.append([batch(2), batch(2)]);
    log.deleteRecordsBefore(4);
    closeAsCrashed(log, dir);
    const file = readFileSync(seg(dir, 0));
    file[file.length - 1] = file[file.length - 1]! ^ 1; // the last batch (2-3) is now corrupt
    writeFileSync(seg(dir, 0), file);
    log = open(dir);
    expect([log.logStartOffset, log.logEndOffset, log.sizeBytes]).toEqual([4, 4, 0]);
    expect(log.segmentBaseOffsets()).toEqual([4]);
    expect(log.append([batch(1)]).baseOffset).toBe(4);
  });

  it('resumes the segment age from the reopen time and rolls by age afterwards', () => {
    const dir = tempDir();
    let now = 0;
    let log = open(dir, { segmentMs: 100 }, () => now);
    log.append([batch(1)]);
    closeCleanly(log);
    now = 1000;
    log = open(dir, { segmentMs: 100 }, () => now);
    log.append([batch(1)]);
    expect(log.segmentCount).toBe(1);
    now = 1101;
    log.append([batch(1)]);
    expect(log.segmentBaseOffsets()).toEqual([0, 2]);
  });

  it('deleteFiles removes the partition directory', () => {
    const dir = tempDir();
    const log = open(dir);
    log.append([batch(1)]);
    log.deleteFiles();
    logs.splice(logs.indexOf(log), 1);
    expect(existsSync(dir)).toBe(false);
  });
});
