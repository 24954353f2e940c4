// Transaction bookkeeping of one partition: the first offset of each producer's open
// transaction (the earliest one is the last stable offset) and the aborted transactions that
// read_committed fetches must be told about (Kafka's TransactionIndex). Rebuilt from the log.

export interface AbortedTxn {
  producerId: number;
  firstOffset: number;
  /** Offset of the ABORT marker. */
  lastOffset: number;
}

export class PartitionTransactions {
  private open = new Map<number, number>();
  /** Ordered by lastOffset (markers are appended in offset order). */
  private aborted: AbortedTxn[] = [];

  /** A transactional data batch at `baseOffset` starts (or continues) the producer's transaction. */
  onData(producerId: number, baseOffset: number): void {
    if (!this.open.has(producerId)) this.open.set(producerId, baseOffset);
  }

  /** A COMMIT or ABORT marker at `offset` ends the producer's transaction. */
  onMarker(producerId: number, type: 'COMMIT' | 'ABORT', offset: number): void {
    const first = this.open.get(producerId);
    this.open.delete(producerId);
    if (type === 'ABORT' && first !== undefined) this.aborted.push({ producerId, firstOffset: first, lastOffset: offset });
  }

  /** The first offset of the earliest open transaction, if any. */
  firstUnstableOffset(): number | undefined {
    let min: number | undefined;
    for (const o of this.open.values()) if (min === undefined || o < min) min = o;
    return min;
  }

  openTransactions(): { producerId: number; firstOffset: number }[] {
    return [...this.open].map(([producerId, firstOffset]) => ({ producerId, firstOffset }));
  }

  /** Aborted transactions overlapping [fetchOffset, upperBound), as a read_committed Fetch lists them. */
  abortedIn(fetchOffset: number, upperBound: number): AbortedTxn[] {
    let lo = 0;
    let hi = this.aborted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.aborted[mid]!.lastOffset < fetchOffset) lo = mid + 1;
      else hi = mid;
    }
    const out: AbortedTxn[] = [];
    for (let i = lo; i < this.aborted.length; i++) {
      const t = this.aborted[i]!;
      if (t.firstOffset < upperBound) out.push(t);
    }
    // Sorted by first offset: Java's consumer sorts the list itself, kafkajs 2.2.4 assumes it is
    // sorted and otherwise lets aborted records through. Kafka's own order (by marker) is not required.
    return out.sort((a, b) => a.firstOffset - b.firstOffset);
  }

  /** Forgets aborted transactions wholly before the log start (deleted by retention or DeleteRecords). */
  truncateBefore(logStartOffset: number): void {
    let i = 0;
    while (i < this.aborted.length && this.aborted[i]!.lastOffset < logStartOffset) i++;
    if (i > 0) this.aborted.splice(0, i);
  }
}
