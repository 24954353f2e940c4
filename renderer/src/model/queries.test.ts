import { describe, expect, it } from 'vitest';
import type { CommandResult } from '../api/contract';
import { info } from '../testing/fixtures';
import { browseArgs, describeSource, formatCell, formatValue, parseTaskId, queryableApps, storeNames, storeTasks, type BrowseForm } from './queries';

const wordCount: CommandResult<'apps.describe'> = {
  applicationId: 'wc',
  subtopologies: [
    { id: 0, nodes: [] },
    { id: 1, nodes: [] },
  ],
  stores: [{ name: 'counts', changelogTopic: 'wc-counts-changelog', subtopology: 1 }],
};

describe('queryable apps and stores', () => {
  const infos = [
    info('wc-1', { applicationId: 'wc', tasks: ['0_0', '1_0', '1_2'] }),
    info('wc-2', { applicationId: 'wc', tasks: ['0_1', '1_1', '1_10'] }),
    info('wc-3', { applicationId: 'wc', state: 'killed', tasks: ['1_3'] }),
    info('bl-1', { app: 'bank-ledger', applicationId: 'bl', state: 'stopped' }),
    info('bl-2', { app: 'bank-ledger', applicationId: 'bl2' }),
  ];

  it('lists application ids with live instances only', () => {
    expect(queryableApps(infos)).toEqual([
      { applicationId: 'wc', app: 'word-count', instances: ['wc-1', 'wc-2'] },
      { applicationId: 'bl2', app: 'bank-ledger', instances: ['bl-2'] },
    ]);
  });

  it("lists the store's tasks that live instances hold, in partition order", () => {
    expect(storeNames(wordCount)).toEqual(['counts']);
    expect(storeNames(null)).toEqual([]);
    expect(storeTasks(wordCount, 'counts', infos, 'wc')).toEqual(['1_0', '1_1', '1_2', '1_10']);
    expect(storeTasks(wordCount, 'nope', infos, 'wc')).toEqual([]);
    expect(parseTaskId('1_10')).toEqual({ subtopology: 1, partition: 10 });
    expect(parseTaskId('1-10')).toBeNull();
  });
});

describe('browseArgs', () => {
  const form: BrowseForm = { applicationId: 'bl', store: 'balances', task: '0_2', instanceId: '', from: '', to: '', limit: 50 };

  it('sends only what was filled in', () => {
    expect(browseArgs(form)).toEqual({ args: { applicationId: 'bl', store: 'balances', task: '0_2', limit: 50 } });
    expect(browseArgs({ ...form, instanceId: 'bl-2', from: 'acct-1', to: 'acct-9' })).toEqual({
      args: { applicationId: 'bl', store: 'balances', task: '0_2', limit: 50, instanceId: 'bl-2', from: 'acct-1', to: 'acct-9' },
    });
  });

  it('says what is wrong instead of sending a request that must fail', () => {
    expect(browseArgs({ ...form, applicationId: '' })).toEqual({ error: 'choose an application' });
    expect(browseArgs({ ...form, task: '' })).toMatchObject({ error: expect.stringMatching(/choose a task/) });
    expect(browseArgs({ ...form, limit: 0 })).toMatchObject({ error: expect.stringMatching(/limit/) });
    expect(browseArgs({ ...form, limit: 2.5 })).toMatchObject({ error: expect.stringMatching(/limit/) });
    // Byte order: 'acct-9' > 'acct-10'.
    expect(browseArgs({ ...form, from: 'acct-9', to: 'acct-10' })).toMatchObject({ error: expect.stringMatching(/comes after/) });
    expect(browseArgs({ ...form, from: 'acct-10', to: 'acct-9' })).toHaveProperty('args');
    // UTF-8 bytes, not UTF-16 units: U+FF5E (ef bd 9e) sorts before U+1F600 (f0 9f 98 80), though its UTF-16 unit is larger.
    expect(browseArgs({ ...form, from: '～', to: '😀' })).toHaveProperty('args');
  });
});

describe('describeSource', () => {
  const base = { instanceId: 'bl-1', task: '0_3', store: 'balances' };

  it('a running active answer is current', () => {
    expect(describeSource({ ...base, role: 'active', stale: false, changelogLag: 0 })).toEqual({
      text: 'bl-1 · task 0_3 · active · store balances',
      tone: 'ok',
      freshness: 'current (the running active copy)',
    });
  });

  it('a standby answer is stale, with its lag', () => {
    expect(describeSource({ ...base, role: 'standby', stale: true, changelogLag: 4 })).toMatchObject({ tone: 'warn', freshness: 'stale: a standby copy, 4 changelog records behind' });
    expect(describeSource({ ...base, role: 'standby', stale: true, changelogLag: 1 }).freshness).toMatch(/1 changelog record behind/);
    expect(describeSource({ ...base, role: 'standby', stale: true, changelogLag: 0 }).freshness).toMatch(/caught up/);
    expect(describeSource({ ...base, role: 'active', stale: true, changelogLag: null }).freshness).toBe('stale: an active copy still restoring, changelog lag not known yet');
  });
});

describe('value formatting', () => {
  it('indents JSON in the result, keeps one line in the table', () => {
    expect(formatValue({ balance: 5 })).toBe('{\n  "balance": 5\n}');
    expect(formatValue('plain')).toBe('plain');
    expect(formatValue(null)).toBe('(no value)');
    expect(formatCell({ balance: 5 })).toBe('{"balance":5}');
    expect(formatCell(7)).toBe('7');
    expect(formatCell(null)).toBe('—');
  });
});
