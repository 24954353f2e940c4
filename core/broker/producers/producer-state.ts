// Idempotent-producer state of one partition, after Kafka's ProducerStateManager: per producer
// id the epoch and the last 5 batches' sequence ranges and offsets. A batch repeating one of
// them is a retry: acknowledged with its original offset and not appended. Rebuilt from the
// log's batch headers when the broker starts.
import { ErrorCode } from '../../protocol/errors.js';
import type { BatchHeader } from '../../protocol/records/index.js';

const KEEP_BATCHES = 5;
const INT32_MAX = 0x7fffffff;

interface BatchMeta {
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
  lastOffset: number;
}

export interface ProducerEntry {
  producerId: number;
  epoch: number;
  batches: BatchMeta[];
  lastTimestamp: number;
  /** Coordinator epoch of the last transaction marker written for this producer here, or -1. */
  coordinatorEpoch: number;
}

export type SequenceCheck =
  | { kind: 'append' }
  | { kind: 'duplicate'; baseOffset: number }
  | { kind: 'error'; errorCode: number; message: string };

/** Sequence numbers wrap to 0 after INT32_MAX. */
const nextSeq = (seq: number) => (seq === INT32_MAX ? 0 : seq + 1);
const lastSeqOf = (h: BatchHeader) => (h.baseSequence + h.lastOffsetDelta) % (INT32_MAX + 1);

export class ProducerStateManager {
  private producers = new Map<number, ProducerEntry>();

  get(producerId: number): ProducerEntry | undefined {
    return this.producers.get(producerId);
  }

  entries(): IterableIterator<ProducerEntry> {
    return this.producers.values();
  }

  /** Decides what to do with a produced batch; changes nothing. */
  check(h: BatchHeader): SequenceCheck {
    if (h.producerId < 0) return { kind: 'append' };
    const e = this.producers.get(h.producerId);
    if (!e) return { kind: 'append' }; // no state (new producer, or state expired): any sequence is accepted
    if (h.producerEpoch < e.epoch) {
      return {
        kind: 'error',
        errorCode: ErrorCode.INVALID_PRODUCER_EPOCH,
        message: `producer ${h.producerId} epoch ${h.producerEpoch} is older than the current epoch ${e.epoch}`,
      };
    }
    if (h.baseSequence < 0) return { kind: 'append' }; // transactional control or non-idempotent
    if (h.producerEpoch > e.epoch) {
      return h.baseSequence === 0
        ? { kind: 'append' }
        : {
            kind: 'error',
            errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
            message: `producer ${h.producerId} started epoch ${h.producerEpoch} at sequence ${h.baseSequence}, not 0`,
          };
    }
    const last = lastSeqOf(h);
    const dup = e.batches.find((b) => b.firstSeq === h.baseSequence && b.lastSeq === last);
    if (dup) return { kind: 'duplicate', baseOffset: dup.firstOffset };
    const prev = e.batches[e.batches.length - 1];
    if (prev && h.baseSequence !== nextSeq(prev.lastSeq)) {
      return {
        kind: 'error',
        errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        message: `producer ${h.producerId} sent sequence ${h.baseSequence}, expected ${nextSeq(prev.lastSeq)}`,
      };
    }
    return { kind: 'append' };
  }

  markerWritten(producerId: number, coordinatorEpoch: number): void {
    const e = this.producers.get(producerId);
    if (e) e.coordinatorEpoch = coordinatorEpoch;
  }

  /** Records an appended batch (or one found in the log when rebuilding). */
  update(h: BatchHeader, baseOffset: number): void {
    if (h.producerId < 0) return;
    let e = this.producers.get(h.producerId);
    if (!e) this.producers.set(h.producerId, (e = { producerId: h.producerId, epoch: h.producerEpoch, batches: [], lastTimestamp: -1, coordinatorEpoch: -1 }));
    if (h.producerEpoch > e.epoch) {
      e.epoch = h.producerEpoch;
      e.batches = [];
    }
    e.lastTimestamp = h.maxTimestamp;
    if (h.baseSequence < 0) return; // control markers carry no sequence
    e.batches.push({ firstSeq: h.baseSequence, lastSeq: lastSeqOf(h), firstOffset: baseOffset, lastOffset: baseOffset + h.lastOffsetDelta });
    if (e.batches.length > KEEP_BATCHES) e.batches.shift();
  }
}
