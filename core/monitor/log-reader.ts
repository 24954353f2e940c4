// Reads a partition's raw log between a group's committed offset and the end, to count the
// control records (transaction markers) there and to find when the first unconsumed record was
// written. What was counted is remembered per partition, so each poll reads only what was
// appended since the last one (the log below the high watermark does not change).
import {
  BATCH_HEADER_SIZE,
  BATCH_LENGTH_OFFSET,
  LOG_OVERHEAD,
  MAGIC_V2,
  decodeRecordBatch,
  isControl,
  readBatchHeader,
  type BatchHeader,
} from '../protocol/records/index.js';
import { partitionKey } from '../protocol/topic-partition.js';

/** Raw batches of a partition from an offset, at most maxBytes (one whole batch at least). */
export type FetchLog = (topic: string, partition: number, offset: number, maxBytes: number) => Promise<Buffer>;

export interface ScanBudget {
  bytesLeft: number;
}

interface Scanned {
  from: number;
  /** Everything below this offset has been read. */
  to: number;
  markers: number[];
}

const FETCH_BYTES = 1 << 20;
const PEEK_BYTES = 64 << 10;

/** Whole batches in a fetch response's records; a batch cut off by the size limit is left out. */
function* batchesIn(records: Buffer): Generator<{ header: BatchHeader; batch: Buffer }> {
  for (let pos = 0; pos + BATCH_HEADER_SIZE <= records.length; ) {
    const size = LOG_OVERHEAD + records.readInt32BE(pos + BATCH_LENGTH_OFFSET);
    if (size < BATCH_HEADER_SIZE || pos + size > records.length) return;
    yield { header: readBatchHeader(records, pos), batch: records.subarray(pos, pos + size) };
    pos += size;
  }
}

/** The last offset of a batch; old message formats (magic 0/1) carry it as the base offset. */
function lastOffset(h: BatchHeader): number {
  return h.magic === MAGIC_V2 ? h.baseOffset + h.lastOffsetDelta : h.baseOffset;
}

export class LogReader {
  private readonly scanned = new Map<string, Scanned>();
  private readonly firstUnconsumed = new Map<string, { offset: number; timestamp: number | null }>();

  constructor(private readonly fetchLog: FetchLog) {}

  /**
   * Control records with offsets in [from, to), reading forward from where the last call
   * stopped while the budget lasts. `exact` is false when the budget ran out or a read failed.
   */
  async markersBetween(
    groupId: string,
    topic: string,
    partition: number,
    from: number,
    to: number,
    budget: ScanBudget,
  ): Promise<{ markers: number; exact: boolean }> {
    const key = readKey(groupId, topic, partition);
    let s = this.scanned.get(key);
    if (!s || from < s.from || from > s.to || to < s.to) s = { from, to: from, markers: [] };
    s = { from, to: s.to, markers: s.markers.filter((o) => o >= from) };
    this.scanned.set(key, s);
    try {
      while (s.to < to && budget.bytesLeft > 0) {
        const records = await this.fetchLog(topic, partition, s.to, Math.min(FETCH_BYTES, budget.bytesLeft));
        budget.bytesLeft -= Math.max(1, records.length);
        const before = s.to;
        for (const { header, batch } of batchesIn(records)) {
          const last = lastOffset(header);
          if (last < s.to) continue;
          if (header.baseOffset >= to) {
            s.to = to;
            break;
          }
          if (header.magic === MAGIC_V2 && isControl(header.attributes)) {
            for (const r of decodeRecordBatch(batch).records) if (r.offset >= s.to && r.offset < to) s.markers.push(r.offset);
          }
          s.to = Math.min(to, last + 1);
        }
        if (s.to === before) break; // nothing more to read below `to` yet
      }
    } catch {
      return { markers: s.markers.filter((o) => o < to).length, exact: false };
    }
    return { markers: s.markers.filter((o) => o < to).length, exact: s.to >= to };
  }

  /** The timestamp of the first data record at or after `offset` (and below `end`), or null. */
  async firstRecordTimestamp(groupId: string, topic: string, partition: number, offset: number, end: number): Promise<number | null> {
    const key = readKey(groupId, topic, partition);
    const cached = this.firstUnconsumed.get(key);
    if (cached?.offset === offset && cached.timestamp !== null) return cached.timestamp;
    let timestamp: number | null = null;
    try {
      const records = await this.fetchLog(topic, partition, offset, PEEK_BYTES);
      search: for (const { header, batch } of batchesIn(records)) {
        if (lastOffset(header) < offset || (header.magic === MAGIC_V2 && isControl(header.attributes))) continue;
        if (header.baseOffset >= end) break;
        for (const r of decodeRecordBatch(batch).records) {
          if (r.offset >= end) break search;
          if (r.offset >= offset) {
            timestamp = r.timestamp;
            break search;
          }
        }
      }
    } catch {
      timestamp = null;
    }
    this.firstUnconsumed.set(key, { offset, timestamp });
    return timestamp;
  }

  /** Drops what is remembered about partitions no longer watched (keys from readKey). */
  retain(keys: ReadonlySet<string>): void {
    for (const k of this.scanned.keys()) if (!keys.has(k)) this.scanned.delete(k);
    for (const k of this.firstUnconsumed.keys()) if (!keys.has(k)) this.firstUnconsumed.delete(k);
  }
}

/** Remembered per group: each group reads from its own committed offset. */
export function readKey(groupId: string, topic: string, partition: number): string {
  return `${groupId}\0${partitionKey(topic, partition)}`;
}
