// One partition's answer in a Fetch response, turned into what a consumer may see (the Java
// client's CompletedFetch): the complete record batches in the bytes, records below the fetch
// offset trimmed (a batch is returned whole even when the offset falls inside it), control
// records never returned, and under read_committed the batches of aborted transactions skipped.
//
// The aborted-transaction filter is Kafka's: the broker lists every aborted transaction that
// overlaps the fetched range as (producer id, first offset). Walking the batches in offset
// order, a transaction becomes "aborted" for its producer once a batch reaches its first offset;
// that producer's transactional batches are skipped until its ABORT marker, which ends the range.
// Markers decide per producer, so transactions of several producers may interleave freely
// (kafkajs 2.2.4 keeps one aborted producer at a time and leaks records when two interleave).
import { ProtocolError } from '../protocol/primitives.js';
import {
  BATCH_LENGTH_OFFSET,
  LOG_OVERHEAD,
  MAGIC_V2,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_ID,
  decodeControlRecord,
  decodeRecordBatch,
  isControl,
  isTransactional,
  readBatchHeader,
  type KafkaRecord,
} from '../protocol/records/index.js';

export type IsolationLevel = 'read_uncommitted' | 'read_committed';

/** isolation_level on the wire (Fetch, ListOffsets). */
export const ISOLATION_LEVEL_CODE: Record<IsolationLevel, number> = { read_uncommitted: 0, read_committed: 1 };

export interface FetchedRecord extends KafkaRecord {
  /** The partition leader epoch the batch was written in; null when the batch has none. */
  leaderEpoch: number | null;
}

export interface AbortedTransaction {
  producerId: number;
  firstOffset: number;
}

export interface CompletedFetch {
  records: FetchedRecord[];
  /** Where the next fetch starts: past every complete batch read (data, control or aborted). */
  nextOffset: number;
  /** The leader epoch of the last batch read; null when it had none or no batch was read. */
  lastEpoch: number | null;
}

/**
 * Reads the concatenated batches of one partition fetched from `fetchOffset`. A batch cut off at
 * the end (the response's byte limit) is left for the next fetch. Throws when the bytes are not
 * magic-2 batches, fail their CRC, or hold bytes but no complete batch.
 */
export function readCompletedFetch(
  bytes: Buffer | null,
  fetchOffset: number,
  isolationLevel: IsolationLevel,
  abortedTransactions: readonly AbortedTransaction[] | null,
): CompletedFetch {
  const records: FetchedRecord[] = [];
  let nextOffset = fetchOffset;
  let lastEpoch: number | null = null;
  if (bytes === null || bytes.length === 0) return { records, nextOffset, lastEpoch };

  const readCommitted = isolationLevel === 'read_committed';
  const aborted = readCommitted && abortedTransactions ? [...abortedTransactions].sort((a, b) => a.firstOffset - b.firstOffset) : [];
  let nextAborted = 0;
  const abortedProducers = new Set<number>();
  let batches = 0;

  for (let pos = 0; pos + LOG_OVERHEAD <= bytes.length; ) {
    const size = LOG_OVERHEAD + bytes.readInt32BE(pos + BATCH_LENGTH_OFFSET);
    if (pos + size > bytes.length) break;
    const batch = bytes.subarray(pos, pos + size);
    pos += size;
    batches++;
    const header = readBatchHeader(batch);
    if (header.magic !== MAGIC_V2) throw new ProtocolError(`record batch at offset ${header.baseOffset} has magic ${header.magic}; only magic 2 is supported`);
    const lastOffset = header.baseOffset + header.lastOffsetDelta;
    lastEpoch = header.partitionLeaderEpoch === NO_PARTITION_LEADER_EPOCH ? null : header.partitionLeaderEpoch;
    const control = isControl(header.attributes);

    if (readCommitted && header.producerId !== NO_PRODUCER_ID) {
      // Aborted transactions that began at or before this batch now apply to their producers.
      while (nextAborted < aborted.length && aborted[nextAborted]!.firstOffset <= lastOffset) {
        abortedProducers.add(aborted[nextAborted++]!.producerId);
      }
      if (!control && isTransactional(header.attributes) && abortedProducers.has(header.producerId)) {
        nextOffset = Math.max(nextOffset, lastOffset + 1);
        continue;
      }
    }

    const decoded = decodeRecordBatch(batch);
    if (control) {
      // An ABORT marker ends its producer's aborted range (Kafka reads the batch's first record).
      const first = decoded.records[0];
      if (readCommitted && first?.key && decodeControlRecord(first.key).type === 'ABORT') abortedProducers.delete(header.producerId);
      nextOffset = Math.max(nextOffset, lastOffset + 1);
      continue;
    }
    for (const record of decoded.records) {
      if (record.offset < nextOffset) continue;
      (record as FetchedRecord).leaderEpoch = lastEpoch;
      records.push(record as FetchedRecord);
      nextOffset = record.offset + 1;
    }
    // Compaction can remove a batch's last records but keeps its last offset: go past it.
    nextOffset = Math.max(nextOffset, lastOffset + 1);
  }
  if (batches === 0) {
    throw new ProtocolError(`${bytes.length} bytes fetched at offset ${fetchOffset} hold no complete record batch`);
  }
  return { records, nextOffset, lastEpoch };
}
