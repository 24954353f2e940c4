// The per-record checks of Kafka's LogValidator that depend on topic configs: a compacted topic
// takes only keyed records, and with message.timestamp.type=CreateTime every record's timestamp
// must lie within [now - message.timestamp.before.max.ms, now + message.timestamp.after.max.ms].
// Like Kafka, every record is checked (a compressed batch is decompressed for it) and the errors
// are reported together as one partition error.
import { ErrorCode } from '../protocol/errors.js';
import {
  type BatchHeader,
  compressionOf,
  decompress,
  RECORDS_OFFSET,
  timestampType,
} from '../protocol/records/index.js';
import { ProtocolError, Reader } from '../protocol/primitives.js';
import type { ProduceLimits } from './topic-configs.js';

/** RecordBatch.NO_TIMESTAMP: a record without a timestamp is never out of range. */
const NO_TIMESTAMP = -1;

export type RecordsCheck = { ok: true } | { ok: false; errorCode: number; message: string };

interface RecordError {
  index: number;
  code: number;
  message: string;
}

/** Calls `visit` with each record's index, timestamp delta and whether its key is null. */
function walkRecords(data: Buffer, start: number, count: number, visit: (index: number, timestampDelta: number, nullKey: boolean) => void): void {
  const r = new Reader(data, start, data.length);
  for (let i = 0; i < count; i++) {
    const length = r.varint();
    if (length < 0 || length > r.remaining) throw new ProtocolError(`record ${i} has invalid length ${length}`);
    const end = r.pos + length;
    const rr = new Reader(data, r.pos, end);
    rr.int8(); // attributes
    const timestampDelta = rr.varlong();
    rr.varint(); // offsetDelta
    const keyLength = rr.varint();
    visit(i, timestampDelta, keyLength < 0);
    r.pos = end;
  }
}

/**
 * LogValidator.validateRecord for one batch (already framing- and CRC-checked). `now` is the
 * broker time; `topicPartition` names the partition in messages, as Kafka's "topic-0".
 */
export function validateRecords(batch: Buffer, header: BatchHeader, limits: ProduceLimits, now: number, topicPartition: string): RecordsCheck {
  const checkTimestamps = limits.timestampType === 'CreateTime';
  const appendTimeBatch = timestampType(header.attributes) === 'LogAppendTime';
  // Nothing to look at record by record: skip the walk (and any decompression).
  if (!limits.compacted && !appendTimeBatch && (!checkTimestamps || unbounded(limits))) return { ok: true };
  const codec = compressionOf(header.attributes);
  const errors: RecordError[] = [];
  try {
    const data = codec === 'none' ? batch : decompress(codec, batch.subarray(RECORDS_OFFSET));
    walkRecords(data, codec === 'none' ? RECORDS_OFFSET : 0, header.recordCount, (index, delta, nullKey) => {
      const offset = header.baseOffset + index;
      if (limits.compacted && nullKey) {
        errors.push({ index, code: ErrorCode.INVALID_RECORD, message: `Compacted topic cannot accept message without key in topic partition ${topicPartition}` });
        return;
      }
      // A LogAppendTime batch's records all carry its maxTimestamp (DefaultRecordBatch).
      const timestamp = appendTimeBatch ? header.maxTimestamp : header.firstTimestamp + delta;
      if (checkTimestamps && timestamp !== NO_TIMESTAMP) {
        const diff = now - timestamp;
        if (diff > limits.timestampBeforeMaxMs || -diff > limits.timestampAfterMaxMs) {
          errors.push({
            index,
            code: ErrorCode.INVALID_TIMESTAMP,
            message:
              `Timestamp ${timestamp} of message with offset ${offset} is out of range. The timestamp should be within ` +
              `[${longString(now - limits.timestampBeforeMaxMs)}, ${longString(now + limits.timestampAfterMaxMs)}]`,
          });
        }
      } else if (appendTimeBatch) {
        errors.push({
          index,
          code: ErrorCode.INVALID_TIMESTAMP,
          message: `Invalid timestamp type in message with offset ${offset}. Producer should not set timestamp type to LogAppendTime.`,
        });
      }
    });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return { ok: false, errorCode: ErrorCode.CORRUPT_MESSAGE, message: `Record batch in ${topicPartition} cannot be read: ${message}` };
  }
  if (errors.length === 0) return { ok: true };
  // LogValidator.processRecordErrors: any timestamp error makes the whole answer INVALID_TIMESTAMP.
  if (errors.some((e) => e.code === ErrorCode.INVALID_TIMESTAMP)) {
    return { ok: false, errorCode: ErrorCode.INVALID_TIMESTAMP, message: 'One or more records have been rejected due to invalid timestamp' };
  }
  const shown = errors.slice(0, 3).map((e) => `RecordError(batchIndex=${e.index}, message='${e.message}')`);
  return {
    ok: false,
    errorCode: ErrorCode.INVALID_RECORD,
    message: `One or more records have been rejected due to ${errors.length} record errors in total, and only showing the first three errors at most: [${shown.join(', ')}]`,
  };
}

/** Both limits at Long.MAX_VALUE: no real timestamp can be out of range. */
function unbounded(limits: ProduceLimits): boolean {
  return limits.timestampBeforeMaxMs >= Number.MAX_SAFE_INTEGER && limits.timestampAfterMaxMs >= Number.MAX_SAFE_INTEGER;
}

/** Kafka computes the bounds in long arithmetic (wrapping); show them as a long would print. */
function longString(n: number): string {
  const wrapped = BigInt.asIntN(64, BigInt(Math.round(n)));
  return wrapped.toString();
}
