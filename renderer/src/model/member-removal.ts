// "Remove member": which group members the console offers to remove on their behalf, and the
// groups.removeMember arguments for them. Offered for a hosted instance the group may still hold
// although it cannot heartbeat or will not come back soon — the group would otherwise wait for
// its session timeout. The console's instances are static members under their own id
// (group.instance.id = instance id), so they are removed by that identity.
import type { CommandArgs, GroupSnapshot, InstanceState } from '../api/contract';

/** Instance states in which its member is worth removing, and why. */
export const REMOVABLE_STATES: Readonly<Partial<Record<InstanceState, string>>> = {
  frozen: 'frozen: it cannot heartbeat, yet the group waits for it until its session times out',
  killed: 'killed without a LeaveGroup: the group waits for its session to time out',
  crashed: 'crashed without a LeaveGroup: the group waits for its session to time out',
  stopped: 'stopped remaining in the group: its tasks wait for it until the session times out',
};

/** Why the instance's member may be removed now, or null. */
export function removableBecause(state: InstanceState): string | null {
  return REMOVABLE_STATES[state] ?? null;
}

/**
 * The removal of a hosted instance's member: by its static identity, with the member id the
 * monitor last saw for it (informational; a static member is named by group.instance.id alone).
 */
export function instanceRemoval(instance: { id: string; applicationId: string; state: InstanceState }, group: GroupSnapshot | undefined, telemetryMemberId: string | null): CommandArgs<'groups.removeMember'> | null {
  if (removableBecause(instance.state) === null) return null;
  const seen = group?.members.find((m) => m.instanceId === instance.id);
  // Once the monitor shows the group without it, there is nothing to remove.
  if (group !== undefined && seen === undefined) return null;
  return { groupId: instance.applicationId, memberId: seen?.memberId ?? telemetryMemberId ?? '', groupInstanceId: instance.id };
}

/** What the operator reads once the coordinator removed it. */
export function removalResult(r: { groupId: string; memberId: string; groupInstanceId: string | null }): string {
  return `Removed ${r.groupInstanceId ?? r.memberId} from group ${r.groupId}: the group rebalances without it now.`;
}
