import { describe, expect, it } from 'vitest';
import { Serdes, TopologyTestDriver } from '../streams/index.js';
import { BALANCES_STORE, bankLedgerTopology } from './bank-ledger.js';
import type { BalanceRow } from './bank-ledger.js';
import type { InputValue, LedgerValue } from './records.js';

const transfers = { key: Serdes.String(), value: Serdes.JSON<InputValue>() };
const ledger = { key: Serdes.String(), value: Serdes.JSON<LedgerValue>() };

describe('bankLedgerTopology', () => {
  it('emits one ledger entry per transfer with the new balance, the transfer and its source', () => {
    const driver = new TopologyTestDriver(bankLedgerTopology({ applicationId: 'bank' }));
    const input = driver.inputTopic('transfers', transfers);
    input.pipe('acct-000', { gen: 'g1', seq: 0, ts: 1, amount: 40 }, { partition: 2 });
    input.pipe('acct-001', { gen: 'g1', seq: 0, ts: 2, amount: -7 }, { partition: 0 });
    input.pipe('acct-000', { gen: 'g1', seq: 1, ts: 3, amount: -15 }, { partition: 2 });
    input.pipe('acct-000', { gen: 'g2', seq: 0, ts: 4 }, { partition: 2 }); // no amount: a 0 transfer

    expect(driver.outputTopic('ledger', ledger).readKeyValues()).toEqual([
      ['acct-000', { account: 'acct-000', amount: 40, balance: 40, gen: 'g1', seq: 0, source: { partition: 2, offset: 0 } }],
      ['acct-001', { account: 'acct-001', amount: -7, balance: -7, gen: 'g1', seq: 0, source: { partition: 0, offset: 0 } }],
      ['acct-000', { account: 'acct-000', amount: -15, balance: 25, gen: 'g1', seq: 1, source: { partition: 2, offset: 1 } }],
      ['acct-000', { account: 'acct-000', amount: 0, balance: 25, gen: 'g2', seq: 0, source: { partition: 2, offset: 2 } }],
    ]);
    const rows = [...driver.store(BALANCES_STORE).all()].map(([k, v]) => [k.toString(), Serdes.JSON<BalanceRow>().deserialize(v)]);
    expect(rows).toEqual([
      ['acct-000', { balance: 25, amount: 0, gen: 'g2', seq: 0 }],
      ['acct-001', { balance: -7, amount: -7, gen: 'g1', seq: 0 }],
    ]);
    expect(driver.topology.store(BALANCES_STORE).changelogTopic).toBe('bank-balances-changelog');
  });

  it('skips records that are not transfers instead of failing on them', () => {
    const driver = new TopologyTestDriver(bankLedgerTopology({ applicationId: 'bank', input: 'in', output: 'out' }));
    expect(driver.pipe('in', Buffer.from('acct-000'), Buffer.from('not json')).outputs).toEqual([]);
    expect(driver.pipe('in', Buffer.from('acct-000'), Buffer.from('{"gen":"g","seq":-1,"ts":0}')).outputs).toEqual([]);
    expect(driver.pipe('in', null, Buffer.from('{"gen":"g","seq":0,"ts":0,"amount":5}')).outputs).toEqual([]);
    expect(driver.pipe('in', Buffer.from('acct-000'), Buffer.from('{"gen":"g","seq":0,"ts":0,"amount":5}')).outputs).toHaveLength(1);
    expect(driver.store(BALANCES_STORE).size).toBe(1);
  });
});
