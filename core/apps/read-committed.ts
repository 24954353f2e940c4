// read_committed, done on the client from raw fetched records. kafkajs 2.2.4's own filter
// (consumer/filterAbortedMessages.js) marks one aborted producer per message it passes, so a
// fetch that starts after the first offsets of two interleaved aborted transactions lets some
// aborted records through. Here the markers decide instead: a transactional record is held
// until its producer's COMMIT or ABORT marker in the same partition, and records leave in offset
// order up to the first still-open transaction — what a Kafka read_committed consumer sees below
// the last stable offset.

/** What read_committed needs of a kafkajs 2.2.x raw message (an entry of Batch.rawMessages). */
export interface RawMessage {
  offset: string;
  key: Buffer | null;
  isControlRecord: boolean;
  batchContext: { producerId: string; inTransaction: boolean };
}

export type ControlType = 'abort' | 'commit';

/** A control record's key is version int16 then type int16: 0 = ABORT, 1 = COMMIT. */
export function controlType(key: Buffer | null): ControlType {
  if (key === null || key.length < 4) throw new Error(`control record key must hold version and type (4 bytes), got ${key?.length ?? 'null'}`);
  const type = key.readInt16BE(2);
  if (type === 0) return 'abort';
  if (type === 1) return 'commit';
  throw new Error(`unknown control record type ${type}`);
}

interface Transaction {
  state: 'open' | ControlType;
}

interface Held<M> {
  message: M;
  /** null: not transactional, visible once nothing open is ahead of it. */
  txn: Transaction | null;
}

/** One partition's read_committed state across fetches. */
export class ReadCommittedFilter<M extends RawMessage> {
  #position = 0;
  #lastDataOffset = -1;
  #held: Held<M>[] = [];
  /** The open transaction of each producer that has records held. */
  readonly #open = new Map<string, Transaction>();

  /** The next raw offset to read: every record below it has been taken in. */
  get position(): number {
    return this.#position;
  }

  get openTransactions(): number {
    return this.#open.size;
  }

  /**
   * Takes in one fetch's raw messages (data and control records of any producers) and returns
   * the records that became visible, in offset order. Messages below `fetchedOffset` (a fetch
   * returns whole record batches) or below the position (read before) are skipped.
   */
  accept(messages: readonly M[], fetchedOffset: number): M[] {
    for (const message of messages) {
      const offset = Number(message.offset);
      if (offset < fetchedOffset || offset < this.#position) continue;
      this.#position = offset + 1;
      if (message.isControlRecord) {
        this.#end(message.batchContext.producerId, controlType(message.key));
      } else {
        this.#lastDataOffset = offset;
        this.#held.push({ message, txn: message.batchContext.inTransaction ? this.#transactionOf(message.batchContext.producerId) : null });
      }
    }
    return this.#release();
  }

  /**
   * kafkajs never calls eachBatch for a fetch that returned control records only (they are all
   * filtered out of Batch.messages), so their outcome has to be fetched again. Given the last
   * offset such a fetch covered, returns the offset to re-fetch from — the last data record, so that
   * the fetch has a record kafkajs passes on, with the markers after it — or null when the
   * markers cannot matter (read already, or no records are held).
   */
  skippedControlRecords(lastOffset: number): number | null {
    if (lastOffset < this.#position) return null;
    if (this.#open.size === 0) {
      // Markers of transactions with nothing held here: they began before our first offset.
      this.#position = Math.max(this.#position, lastOffset + 1);
      return null;
    }
    // Open transactions hold data records, so there is one, and it lies before these markers.
    return this.#lastDataOffset;
  }

  #transactionOf(producerId: string): Transaction {
    let txn = this.#open.get(producerId);
    if (txn === undefined) {
      txn = { state: 'open' };
      this.#open.set(producerId, txn);
    }
    return txn;
  }

  #end(producerId: string, outcome: ControlType): void {
    const txn = this.#open.get(producerId);
    // No open transaction: it began before the first offset read here, nothing of it is held.
    if (txn === undefined) return;
    txn.state = outcome;
    this.#open.delete(producerId);
  }

  #release(): M[] {
    const open = this.#held.findIndex((h) => h.txn?.state === 'open');
    const decided = this.#held.splice(0, open === -1 ? this.#held.length : open);
    return decided.filter((h) => h.txn?.state !== 'abort').map((h) => h.message);
  }
}
