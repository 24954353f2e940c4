import { describe, expect, it } from 'vitest';
import { COMMANDS, type GroupSnapshot } from '../api/contract';
import { group as fixtureGroup } from '../testing/fixtures';
import { instanceRemoval, removableBecause, removalResult } from './member-removal';

const group = (members: { memberId: string; instanceId: string | null }[]): GroupSnapshot =>
  fixtureGroup('ledger', { members: members.map((m) => ({ ...m, clientId: m.instanceId ?? 'other', clientHost: '/127.0.0.1', assignment: [] })) });

describe('member removal', () => {
  it('is offered for frozen, killed, crashed and stopped instances, never for live ones', () => {
    expect(['frozen', 'killed', 'crashed', 'stopped'].map((s) => removableBecause(s as never) !== null)).toEqual([true, true, true, true]);
    expect(['starting', 'running', 'stopping'].map((s) => removableBecause(s as never))).toEqual([null, null, null]);
  });

  it('names a hosted instance by its static identity, with the member id the monitor saw; the contract accepts it', () => {
    const args = instanceRemoval({ id: 'ledger-2', applicationId: 'ledger', state: 'frozen' }, group([{ memberId: 'ledger-2-abc', instanceId: 'ledger-2' }, { memberId: 'ledger-1-def', instanceId: 'ledger-1' }]), 'older-id');
    expect(args).toEqual({ groupId: 'ledger', memberId: 'ledger-2-abc', groupInstanceId: 'ledger-2' });
    expect(COMMANDS['groups.removeMember'].args.safeParse(args).success).toBe(true);
  });

  it('without a snapshot, uses the member id from telemetry, or none (static identity alone)', () => {
    expect(instanceRemoval({ id: 'ledger-2', applicationId: 'ledger', state: 'killed' }, undefined, 'm-7')).toEqual({ groupId: 'ledger', memberId: 'm-7', groupInstanceId: 'ledger-2' });
    const bare = instanceRemoval({ id: 'ledger-2', applicationId: 'ledger', state: 'killed' }, undefined, null);
    expect(bare).toEqual({ groupId: 'ledger', memberId: '', groupInstanceId: 'ledger-2' });
    expect(COMMANDS['groups.removeMember'].args.safeParse(bare).success).toBe(true);
  });

  it('is not offered once the group is seen without the member, nor for a running instance', () => {
    expect(instanceRemoval({ id: 'ledger-2', applicationId: 'ledger', state: 'frozen' }, group([{ memberId: 'ledger-1-def', instanceId: 'ledger-1' }]), 'm')).toBeNull();
    expect(instanceRemoval({ id: 'ledger-2', applicationId: 'ledger', state: 'stopped' }, group([]), 'm')).toBeNull();
    expect(instanceRemoval({ id: 'ledger-2', applicationId: 'ledger', state: 'running' }, group([{ memberId: 'x', instanceId: 'ledger-2' }]), 'x')).toBeNull();
  });

  it('says the group rebalances at once', () => {
    expect(removalResult({ groupId: 'ledger', memberId: '', groupInstanceId: 'ledger-2' })).toBe('Removed ledger-2 from group ledger: the group rebalances without it now.');
    expect(removalResult({ groupId: 'g', memberId: 'm-1', groupInstanceId: null })).toBe('Removed m-1 from group g: the group rebalances without it now.');
  });
});
