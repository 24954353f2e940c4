// bank-ledger's invariant: money only moves in as transfers, so once every transfer has been
// processed, the accounts' balances add up to the transfers' amounts. A transfer applied twice
// (at-least-once replay onto restored state) or lost shows up as a difference.

export interface MoneySnapshot {
  /** Sum of the amounts of the distinct transfers read. */
  inputTotal: number;
  /** Sum over accounts of the balance in each account's latest ledger entry. */
  balanceTotal: number;
  /** Whether they match, once nothing is pending; null while transfers are still pending. */
  conserved: boolean | null;
}

interface LatestEntry {
  gen: string;
  seq: number;
  balance: number;
}

export class MoneyCheck {
  #inputTotal = 0;
  #balanceTotal = 0;
  readonly #latest = new Map<string, LatestEntry>();

  /** Once per distinct transfer. */
  addInput(amount: number): void {
    this.#inputTotal += amount;
  }

  /**
   * An entry is the account's latest unless it is an older seq of the same gen (a late or
   * out-of-order entry). An entry of another gen replaces it: generator runs follow one another.
   * A repeat of the latest seq replaces it too: a replay's balance is the one the store now holds.
   */
  addOutput(account: string, gen: string, seq: number, balance: number): void {
    const latest = this.#latest.get(account);
    if (latest !== undefined && latest.gen === gen && seq < latest.seq) return;
    this.#balanceTotal += balance - (latest?.balance ?? 0);
    this.#latest.set(account, { gen, seq, balance });
  }

  snapshot(pending: number): MoneySnapshot {
    return {
      inputTotal: this.#inputTotal,
      balanceTotal: this.#balanceTotal,
      conserved: pending === 0 ? this.#inputTotal === this.#balanceTotal : null,
    };
  }
}
