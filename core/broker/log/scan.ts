// Replays a partition log from its start: the one loop behind every "rebuild state from the
// log" (producer state, committed offsets, transaction state).
import { decodeRecordBatch, isControl, readBatchHeader, LOG_OVERHEAD, type BatchHeader, type KafkaRecord } from '../../protocol/records/index.js';
import type { PartitionLog } from './partition-log.js';

const READ_BYTES = 4 << 20;

/** Calls `fn` with every stored batch (bytes as stored) and its header, in offset order. */
export function forEachBatch(log: PartitionLog, fn: (batch: Buffer, header: BatchHeader) => void): void {
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const { chunks } = log.read(offset, READ_BYTES, { minOneBatch: true });
    const before = offset;
    for (const chunk of chunks) {
      for (let pos = 0; pos + LOG_OVERHEAD <= chunk.length; ) {
        const h = readBatchHeader(chunk, pos);
        const size = h.batchLength + LOG_OVERHEAD;
        // A read starts at the batch holding `offset`: skip what an earlier chunk already covered.
        if (h.baseOffset + h.lastOffsetDelta >= offset) fn(chunk.subarray(pos, pos + size), h);
        offset = Math.max(offset, h.baseOffset + h.lastOffsetDelta + 1);
        pos += size;
      }
    }
    if (offset === before) break; // nothing readable: stop rather than spin
  }
}

/** Calls `fn` with every record of every data batch (control batches skipped), in offset order. */
export function forEachRecord(log: PartitionLog, fn: (record: KafkaRecord) => void): void {
  forEachBatch(log, (batch) => {
    const { header, records } = decodeRecordBatch(batch);
    if (isControl(header.attributes)) return;
    for (const r of records) fn(r);
  });
}
