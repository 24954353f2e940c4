import { describe, expect, it } from 'vitest';
import {
  decodeControlRecord,
  decodeEndTxnMarkerValue,
  decodeRecordBatch,
  encodeControlBatch,
  isControl,
  isTransactional,
  readBatchHeader,
  splitRecordBatches,
} from './index.js';

describe('control batches', () => {
  it('encodes a COMMIT marker as Kafka does', () => {
    const batch = encodeControlBatch({ producerId: 4000, producerEpoch: 2, type: 'COMMIT', coordinatorEpoch: 9, timestamp: 123456, baseOffset: 77 });
    const h = readBatchHeader(batch);
    expect(h).toMatchObject({
      baseOffset: 77,
      attributes: 0x30,
      producerId: 4000,
      producerEpoch: 2,
      baseSequence: -1,
      recordCount: 1,
      lastOffsetDelta: 0,
      firstTimestamp: 123456,
      maxTimestamp: 123456,
    });
    expect(isControl(h.attributes) && isTransactional(h.attributes)).toBe(true);
    expect(splitRecordBatches(batch).ok).toBe(true);
    const [r] = decodeRecordBatch(batch).records;
    expect(r!.key!.toString('hex')).toBe('00000001');
    expect(r!.value!.toString('hex')).toBe('0000' + '00000009');
    expect(r!.offset).toBe(77);
    expect(r!.timestamp).toBe(123456);
    expect(decodeControlRecord(r!.key!)).toEqual({ version: 0, type: 'COMMIT' });
    expect(decodeEndTxnMarkerValue(r!.value!)).toEqual({ version: 0, coordinatorEpoch: 9 });
  });

  it('encodes an ABORT marker with the key kafkajs looks for (00 00 00 00)', () => {
    const batch = encodeControlBatch({ producerId: 1, producerEpoch: 0, type: 'ABORT', coordinatorEpoch: 0, timestamp: 1 });
    const [r] = decodeRecordBatch(batch).records;
    expect(r!.key!.toString('hex')).toBe('00000000');
    expect(decodeControlRecord(r!.key!)).toEqual({ version: 0, type: 'ABORT' });
    expect(readBatchHeader(batch).baseOffset).toBe(0);
  });

  it('rejects keys that are not transaction markers', () => {
    expect(() => decodeControlRecord(Buffer.from('0000', 'hex'))).toThrow(/4 bytes/);
    expect(() => decodeControlRecord(Buffer.from('00000002', 'hex'))).toThrow(/type 2/);
    expect(() => decodeEndTxnMarkerValue(Buffer.from('0000', 'hex'))).toThrow(/6 bytes/);
  });
});
