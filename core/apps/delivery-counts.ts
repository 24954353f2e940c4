// Counts how a 1:1 app delivered its inputs: each input (key, gen, seq) should show up in the
// output exactly once, and the outputs of one key and gen in seq order. Pure bookkeeping, fed
// by the verifier with what it reads; inputs and outputs may arrive in either order.

export interface DeliverySnapshot {
  /** Distinct (key, gen, seq) read from the input topic. */
  inputs: number;
  /** Input records repeating a (key, gen, seq) already read: the input itself has duplicates. */
  duplicateInputs: number;
  /** Output records read, repeats included. */
  outputs: number;
  /** Inputs without output although a later seq of their key and gen has been output. */
  missing: number;
  /** Output records beyond the first for the same (key, gen, seq). */
  duplicated: number;
  /** First outputs whose seq is below an earlier output's seq of the same key and gen. */
  outOfOrder: number;
  /** Inputs without output and not missing: not processed yet (lag). */
  pending: number;
  /** Distinct outputs with no matching input read (yet: settles once the input is read up). */
  unexpected: number;
}

export interface PendingInput {
  key: string;
  gen: string;
  seq: number;
}

// One 16-bit mark per seq: the top bit says the input was read, the rest counts its outputs
// (saturating — a count past 32767 no longer matters for anything but `duplicated`).
const INPUT = 0x8000;
const COUNT = 0x7fff;

/** The marks of one key and gen, indexed by seq. */
class SeqMarks {
  #marks = new Uint16Array(16);
  /** The highest seq output so far, -1 before the first. */
  maxOutput = -1;

  get length(): number {
    return this.#marks.length;
  }

  at(seq: number): number {
    return this.#marks[seq] ?? 0;
  }

  set(seq: number, mark: number): void {
    if (seq >= this.#marks.length) {
      const grown = new Uint16Array(Math.max(seq + 1, this.#marks.length * 2));
      grown.set(this.#marks);
      this.#marks = grown;
    }
    this.#marks[seq] = mark;
  }
}

export class DeliveryCounts {
  readonly #marks = new Map<string, Map<string, SeqMarks>>();
  #inputs = 0;
  #duplicateInputs = 0;
  #outputs = 0;
  #missing = 0;
  #duplicated = 0;
  #outOfOrder = 0;
  /** Inputs without output, missing or pending. */
  #unmatched = 0;
  #unexpected = 0;

  /** Returns whether this (key, gen, seq) is new to the input. */
  addInput(key: string, gen: string, seq: number): boolean {
    const marks = this.#marksOf(key, gen);
    const mark = marks.at(seq);
    if (mark & INPUT) {
      this.#duplicateInputs += 1;
      return false;
    }
    marks.set(seq, mark | INPUT);
    this.#inputs += 1;
    if (mark & COUNT) {
      this.#unexpected -= 1; // its output was read first
    } else {
      this.#unmatched += 1;
      if (seq < marks.maxOutput) this.#missing += 1;
    }
    return true;
  }

  addOutput(key: string, gen: string, seq: number): void {
    this.#outputs += 1;
    const marks = this.#marksOf(key, gen);
    const mark = marks.at(seq);
    const count = mark & COUNT;
    if (count > 0) {
      this.#duplicated += 1;
      if (count < COUNT) marks.set(seq, mark + 1);
      return;
    }
    marks.set(seq, mark + 1);
    if (mark & INPUT) {
      this.#unmatched -= 1;
      if (seq < marks.maxOutput) this.#missing -= 1; // late after all
    } else {
      this.#unexpected += 1;
    }
    if (seq < marks.maxOutput) {
      this.#outOfOrder += 1;
      return;
    }
    // Every input this output jumps over, read and not output, is now missing.
    for (let s = marks.maxOutput + 1; s < seq; s++) if (marks.at(s) === INPUT) this.#missing += 1;
    marks.maxOutput = seq;
  }

  snapshot(): DeliverySnapshot {
    return {
      inputs: this.#inputs,
      duplicateInputs: this.#duplicateInputs,
      outputs: this.#outputs,
      missing: this.#missing,
      duplicated: this.#duplicated,
      outOfOrder: this.#outOfOrder,
      pending: this.#unmatched - this.#missing,
      unexpected: this.#unexpected,
    };
  }

  /** Up to `limit` pending inputs, for saying what a drain is still waiting for. */
  pendingInputs(limit: number): PendingInput[] {
    const found: PendingInput[] = [];
    for (const [key, gens] of this.#marks) {
      for (const [gen, marks] of gens) {
        for (let seq = marks.maxOutput + 1; seq < marks.length; seq++) {
          if (found.length >= limit) return found;
          if (marks.at(seq) === INPUT) found.push({ key, gen, seq });
        }
      }
    }
    return found;
  }

  #marksOf(key: string, gen: string): SeqMarks {
    let gens = this.#marks.get(key);
    if (gens === undefined) {
      gens = new Map();
      this.#marks.set(key, gens);
    }
    let marks = gens.get(gen);
    if (marks === undefined) {
      marks = new SeqMarks();
      gens.set(gen, marks);
    }
    return marks;
  }
}
