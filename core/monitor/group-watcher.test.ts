import type { GroupDescription } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_EVALUATOR_RULES } from './lag-evaluator.js';
import { GroupWatcher } from './group-watcher.js';
import type { EndOffsets } from './offsets.js';
import { partitionKey } from '../protocol/topic-partition.js';

const KEY = partitionKey('in', 0);

function watcher(): GroupWatcher {
  return new GroupWatcher({ memberInstance: () => null, readCommitted: () => false, statusRules: DEFAULT_EVALUATOR_RULES, maxScanLag: 10_000 }, null);
}

function group(members: number): GroupDescription {
  return {
    groupId: 'g',
    state: 'Stable',
    protocolType: 'consumer',
    protocol: 'range',
    members: Array.from({ length: members }, (_, i) => ({
      memberId: `m${i}`,
      clientId: `c${i}`,
      clientHost: '/127.0.0.1',
      memberMetadata: Buffer.alloc(0),
      memberAssignment: Buffer.alloc(0),
    })),
  };
}

function ends(end: number): EndOffsets {
  return { byPartition: new Map([[KEY, { highWatermark: end, lastStable: end, leader: 1 }]]), existing: new Set(['in']), failures: [] };
}

describe('GroupWatcher members', () => {
  it("carries a static member's group.instance.id from the description, null for a dynamic one", async () => {
    const g = group(2);
    const described = { ...g, members: [{ ...g.members[0]!, groupInstanceId: 'ledger-1' }, { ...g.members[1]!, groupInstanceId: null }] };
    const { snapshot } = await watcher().update(described, new Map(), ends(0), { bytesLeft: 0 }, 0);
    expect(snapshot.members.map((m) => [m.memberId, m.groupInstanceId])).toEqual([
      ['m0', 'ledger-1'],
      ['m1', null],
    ]);
  });
});

describe('GroupWatcher status', () => {
  it('judges a slow committer on its commits, not on every poll: WARN once lag only grows from commit to commit', async () => {
    // Commits every 5 s, polled every second; lag at each commit grows by 31, 0 → 558.
    const w = watcher();
    const statuses: string[] = [];
    for (let t = 0; t <= 90; t++) {
      const k = Math.floor(t / 5);
      const committed = 1000 * k;
      const { snapshot } = await w.update(group(1), new Map([[KEY, committed]]), ends(committed + 31 * k + 60 * (t % 5)), { bytesLeft: 0 }, t * 1000);
      statuses.push(snapshot.status);
    }
    expect(statuses.slice(0, 50)).toEqual(Array(50).fill('OK'));
    expect(statuses.slice(50)).toEqual(Array(41).fill('WARN'));
  });

  it('is STOP without members and with lag, ERR when the offsets cannot be read', async () => {
    const w = watcher();
    expect((await w.update(group(0), new Map([[KEY, 10]]), ends(15), { bytesLeft: 0 }, 0)).snapshot.status).toBe('STOP');
    expect((await w.update(group(1), null, ends(15), { bytesLeft: 0 }, 1000)).snapshot.status).toBe('ERR');
  });
});
