// Control records: the transaction markers (EndTxnMarker) the coordinator writes into every
// partition a transaction touched. Each marker is its own batch: attributes 0x30 (control +
// transactional), the transaction's producer id and epoch, baseSequence -1, no compression,
// one record. Key = int16 version (0) + int16 type (0 ABORT, 1 COMMIT); value = int16 version
// (0) + int32 coordinatorEpoch. kafkajs recognises aborts by the key bytes 00 00 00 00.
import { encodeRecordBatch } from './codec.js';

export type ControlType = 'ABORT' | 'COMMIT';

const CONTROL_KEY_SIZE = 4;
const END_TXN_MARKER_VALUE_SIZE = 6;

export interface ControlBatchOptions {
  producerId: number;
  producerEpoch: number;
  type: ControlType;
  coordinatorEpoch: number;
  timestamp: number;
  baseOffset?: number;
}

export function encodeControlKey(type: ControlType): Buffer {
  const key = Buffer.alloc(CONTROL_KEY_SIZE);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(type === 'COMMIT' ? 1 : 0, 2);
  return key;
}

export function encodeEndTxnMarkerValue(coordinatorEpoch: number): Buffer {
  const value = Buffer.alloc(END_TXN_MARKER_VALUE_SIZE);
  value.writeInt16BE(0, 0);
  value.writeInt32BE(coordinatorEpoch, 2);
  return value;
}

export function encodeControlBatch(opts: ControlBatchOptions): Buffer {
  return encodeRecordBatch({
    baseOffset: opts.baseOffset ?? 0,
    producerId: opts.producerId,
    producerEpoch: opts.producerEpoch,
    baseSequence: -1,
    transactional: true,
    control: true,
    records: [
      {
        key: encodeControlKey(opts.type),
        value: encodeEndTxnMarkerValue(opts.coordinatorEpoch),
        timestamp: opts.timestamp,
      },
    ],
  });
}

/**
 * Decodes a control record key. Throws for other control types (Kafka's KRaft-internal
 * LEADER_CHANGE, SNAPSHOT_* ...), which never appear in a partition this broker writes.
 */
export function decodeControlRecord(key: Buffer): { version: number; type: ControlType } {
  if (key.length < CONTROL_KEY_SIZE) throw new Error(`control record key needs ${CONTROL_KEY_SIZE} bytes, got ${key.length}`);
  const version = key.readInt16BE(0);
  const type = key.readInt16BE(2);
  if (type === 0) return { version, type: 'ABORT' };
  if (type === 1) return { version, type: 'COMMIT' };
  throw new Error(`control record type ${type} is not a transaction marker`);
}

export function decodeEndTxnMarkerValue(value: Buffer): { version: number; coordinatorEpoch: number } {
  if (value.length < END_TXN_MARKER_VALUE_SIZE) {
    throw new Error(`EndTxnMarker value needs ${END_TXN_MARKER_VALUE_SIZE} bytes, got ${value.length}`);
  }
  return { version: value.readInt16BE(0), coordinatorEpoch: value.readInt32BE(2) };
}
