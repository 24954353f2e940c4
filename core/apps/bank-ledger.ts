// bank-ledger: the balance of every account, and one ledger entry per transfer. Each output
// carries the transfer's gen/seq and its source partition/offset, so the verifier can match
// outputs to inputs one to one and check that no money appeared or vanished.
import { Serdes, StreamsBuilder } from '../streams/index.js';
import type { Topology } from '../streams/index.js';
import { InputValueSchema, lenientJsonSerde } from './records.js';
import type { LedgerValue } from './records.js';

export const BALANCES_STORE = 'balances';

export interface BankLedgerOptions {
  applicationId: string;
  input?: string;
  output?: string;
}

/**
 * A row of the 'balances' store: the balance and the transfer that last changed it. The
 * aggregation only hands the new row downstream, so the row carries the transfer along.
 */
export interface BalanceRow {
  balance: number;
  amount: number;
  gen: string;
  seq: number;
}

// Never emitted: the aggregator replaces it with the first transfer's row.
const OPENING_ROW: BalanceRow = { balance: 0, amount: 0, gen: '', seq: 0 };

/**
 * Input: key = account, value = an InputValue (a missing amount counts as 0; a value that is
 * not an InputValue reads as null and is skipped). Output: key = account, value = LedgerValue.
 */
export function bankLedgerTopology({ applicationId, input = 'transfers', output = 'ledger' }: BankLedgerOptions): Topology {
  const b = new StreamsBuilder();
  b.stream(input, { key: Serdes.String(), value: lenientJsonSerde(InputValueSchema) })
    .groupByKey()
    .aggregate(
      () => OPENING_ROW,
      (_account, t, row): BalanceRow => {
        const amount = t.amount ?? 0;
        return { balance: row.balance + amount, amount, gen: t.gen, seq: t.seq };
      },
      BALANCES_STORE,
      { value: Serdes.JSON<BalanceRow>() },
    )
    .toStream()
    .mapValues(
      (row, account, ctx): LedgerValue => ({
        account,
        amount: row.amount,
        balance: row.balance,
        gen: row.gen,
        seq: row.seq,
        source: { partition: ctx.partition, offset: ctx.offset },
      }),
    )
    .to(output, { value: Serdes.JSON<LedgerValue>() });
  return b.build({ applicationId });
}
