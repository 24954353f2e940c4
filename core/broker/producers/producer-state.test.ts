import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../protocol/errors.js';
import type { BatchHeader } from '../../protocol/records/index.js';
import { ProducerStateManager } from './producer-state.js';

const header = (producerId: number, producerEpoch: number, baseSequence: number, count: number): BatchHeader => ({
  baseOffset: 0,
  batchLength: 0,
  partitionLeaderEpoch: -1,
  magic: 2,
  crc: 0,
  attributes: 0,
  lastOffsetDelta: count - 1,
  firstTimestamp: 0,
  maxTimestamp: 0,
  producerId,
  producerEpoch,
  baseSequence,
  recordCount: count,
});

describe('idempotent producer state', () => {
  it('accepts in-order batches, acknowledges a retry with its original offset, and rejects gaps', () => {
    const s = new ProducerStateManager();
    expect(s.check(header(7, 0, 0, 5))).toEqual({ kind: 'append' });
    s.update(header(7, 0, 0, 5), 100);
    expect(s.check(header(7, 0, 5, 5))).toEqual({ kind: 'append' });
    s.update(header(7, 0, 5, 5), 105);
    expect(s.check(header(7, 0, 0, 5))).toEqual({ kind: 'duplicate', baseOffset: 100 });
    expect(s.check(header(7, 0, 5, 5))).toEqual({ kind: 'duplicate', baseOffset: 105 });
    expect(s.check(header(7, 0, 12, 1))).toMatchObject({ kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
  });

  it('remembers only the last 5 batches, fences older epochs, and restarts sequences at a new epoch', () => {
    const s = new ProducerStateManager();
    for (let i = 0; i < 6; i++) s.update(header(1, 0, i, 1), i);
    expect(s.check(header(1, 0, 0, 1))).toMatchObject({ kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
    expect(s.check(header(1, 0, 1, 1))).toEqual({ kind: 'duplicate', baseOffset: 1 });
    s.update(header(1, 1, 0, 1), 10);
    expect(s.check(header(1, 0, 6, 1))).toMatchObject({ kind: 'error', errorCode: ErrorCode.INVALID_PRODUCER_EPOCH });
    expect(s.check(header(1, 2, 3, 1))).toMatchObject({ kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
    expect(s.check(header(1, 2, 0, 1))).toEqual({ kind: 'append' });
  });

  it('wraps sequences after INT32_MAX and ignores producers without ids', () => {
    const s = new ProducerStateManager();
    s.update(header(3, 0, 2147483646, 2), 0);
    expect(s.check(header(3, 0, 0, 1))).toEqual({ kind: 'append' });
    expect(s.check(header(-1, -1, -1, 3))).toEqual({ kind: 'append' });
  });
});
