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
  /**
   * When not conserved: the first few accounts whose ledger breaks its own chain (an entry's
   * balance is not the previous entry's balance plus its amount), at the first break — where the
   * state the app computed from went wrong, and which source record it was processing.
   */
  breaks?: LedgerBreak[];
}

export interface LedgerBreak {
  account: string;
  gen: string;
  seq: number;
  amount: number;
  balance: number;
  previousBalance: number;
  source: { partition: number; offset: number } | null;
}

interface ChainEntry {
  seq: number;
  amount: number;
  balance: number;
  source: { partition: number; offset: number } | null;
}

const BREAKS_REPORTED = 5;

interface LatestEntry {
  gen: string;
  seq: number;
  balance: number;
}

export class MoneyCheck {
  #inputTotal = 0;
  #balanceTotal = 0;
  readonly #latest = new Map<string, LatestEntry>();
  /** Every distinct entry per account and generator run, for locating a break. */
  readonly #chains = new Map<string, Map<number, ChainEntry>>();

  /** Once per distinct transfer. */
  addInput(amount: number): void {
    this.#inputTotal += amount;
  }

  /**
   * An entry is the account's latest unless it is an older seq of the same gen (a late or
   * out-of-order entry). An entry of another gen replaces it: generator runs follow one another.
   * A repeat of the latest seq replaces it too: a replay's balance is the one the store now holds.
   */
  addOutput(account: string, gen: string, seq: number, balance: number, detail: { amount: number; source: { partition: number; offset: number } } | null = null): void {
    if (detail !== null) {
      const key = `${account}\0${gen}`;
      const chain = this.#chains.get(key) ?? new Map<number, ChainEntry>();
      chain.set(seq, { seq, amount: detail.amount, balance, source: detail.source });
      this.#chains.set(key, chain);
    }
    const latest = this.#latest.get(account);
    if (latest !== undefined && latest.gen === gen && seq < latest.seq) return;
    this.#balanceTotal += balance - (latest?.balance ?? 0);
    this.#latest.set(account, { gen, seq, balance });
  }

  snapshot(pending: number): MoneySnapshot {
    const conserved = pending === 0 ? this.#inputTotal === this.#balanceTotal : null;
    const breaks = conserved === false ? this.#breaks() : [];
    return {
      inputTotal: this.#inputTotal,
      balanceTotal: this.#balanceTotal,
      conserved,
      ...(breaks.length > 0 ? { breaks } : {}),
    };
  }

  #breaks(): LedgerBreak[] {
    const out: LedgerBreak[] = [];
    for (const [key, chain] of this.#chains) {
      const [account = '', gen = ''] = key.split('\0');
      // The first entry is taken as it is: an account's balance carries over from runs before.
      const entries = [...chain.values()].sort((a, b) => a.seq - b.seq);
      let previous = (entries[0]?.balance ?? 0) - (entries[0]?.amount ?? 0);
      for (const e of entries) {
        if (e.balance !== previous + e.amount) {
          out.push({ account, gen, seq: e.seq, amount: e.amount, balance: e.balance, previousBalance: previous, source: e.source });
          break;
        }
        previous = e.balance;
      }
      if (out.length >= BREAKS_REPORTED) break;
    }
    return out;
  }
}
