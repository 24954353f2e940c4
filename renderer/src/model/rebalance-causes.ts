// Why a generation happened, in words a Kafka user knows: a member joined, left, was removed
// after a session timeout (a kill or freeze: the coordinator waits session.timeout.ms), a probing
// rebalance checked the warm-ups, a cooperative follow-up handed revoked tasks over, topic
// metadata changed. Joined from what the monitor saw (members before / after), what each
// member said (its join reason and round) and what the session did to the instances.
import { fmtMs } from './format';
import type { GenerationEntry, InstanceFault } from './rebalances';

export type CauseKind = 'probing' | 'follow-up' | 'session-timeout' | 'left' | 'joined' | 'metadata' | 'lost' | 'other';

export interface RebalanceCause {
  kind: CauseKind;
  text: string;
}

/** How far back a fault may explain a member leaving (longer than any session timeout allowed). */
const FAULT_WINDOW_MS = 310_000;
/** A stop whose member left later than this waited out the session timeout (it remained in the group). */
const LEAVE_GRACE_MS = 3_000;

/** Member ids are "<client id>-<uuid>"; a hosted instance's client id starts with its instance id. */
function instanceOfMember(entry: GenerationEntry, memberId: string, faults: readonly InstanceFault[]): string | null {
  const known = entry.members.find((m) => m.memberId === memberId);
  if (known) return known.instanceId;
  const candidates = [...new Set(faults.filter((f) => f.groupId === entry.groupId).map((f) => f.instanceId))];
  return candidates.filter((id) => memberId.startsWith(`${id}-`)).sort((a, b) => b.length - a.length)[0] ?? null;
}

function lastFault(faults: readonly InstanceFault[], instanceId: string, before: number, kinds: readonly InstanceFault['kind'][]): InstanceFault | null {
  for (let i = faults.length - 1; i >= 0; i--) {
    const f = faults[i]!;
    if (f.instanceId === instanceId && kinds.includes(f.kind) && f.ts <= before && before - f.ts <= FAULT_WINDOW_MS) return f;
  }
  return null;
}

const FAULT_WORDS: Record<string, string> = { kill: 'killed', freeze: 'frozen', crash: 'crashed' };

/**
 * Members that left: the monitor's before / after when it saw them; else (the monitor polls and
 * can miss a generation that lasted less than a poll) hosted instances that were in the previous
 * generation, are not in this one, and had a fault in between.
 */
function leftMembers(entry: GenerationEntry, previous: GenerationEntry | null, faults: readonly InstanceFault[]): { memberId: string; instanceId: string | null }[] {
  if (entry.membersBefore.length > 0 && entry.membersAfter.length > 0) {
    return entry.membersBefore.filter((m) => !entry.membersAfter.includes(m)).map((memberId) => ({ memberId, instanceId: instanceOfMember(entry, memberId, faults) }));
  }
  if (!previous || entry.members.length === 0) return [];
  const since = previous.completedTs ?? previous.startedTs ?? 0;
  const here = new Set(entry.members.map((m) => m.instanceId));
  return previous.members
    .filter((m) => !here.has(m.instanceId) && faults.some((f) => f.instanceId === m.instanceId && f.kind !== 'start' && f.ts >= since))
    .map((m) => ({ memberId: m.memberId, instanceId: m.instanceId }));
}

/** Why this generation happened; `previous` is the group's generation before it, if known. */
export function rebalanceCause(entry: GenerationEntry, faults: readonly InstanceFault[], previous: GenerationEntry | null = null): RebalanceCause {
  const rounds = entry.members.map((m) => m.round);
  const reasons = entry.members.map((m) => m.reason ?? '');
  const startedAt = entry.startedTs ?? (entry.completedTs ?? 0) - (entry.durationMs ?? 0);
  const texts: string[] = [];
  let kind: CauseKind | null = null;
  const left = leftMembers(entry, previous, faults);
  for (const { memberId, instanceId } of left) {
    const fault = instanceId ? lastFault(faults, instanceId, startedAt, ['kill', 'freeze', 'crash', 'stop']) : null;
    if (!fault || !instanceId) {
      texts.push(`${instanceId ?? memberId} left`);
      kind ??= 'left';
      continue;
    }
    const after = startedAt - fault.ts;
    if (fault.kind === 'stop' && after <= LEAVE_GRACE_MS) {
      texts.push(`${instanceId} left the group (stopped)`);
      kind ??= 'left';
    } else {
      const what = fault.kind === 'stop' ? 'stopped remaining in the group' : FAULT_WORDS[fault.kind];
      texts.push(`session timeout: ${instanceId} was ${what}; the coordinator removed it ${fmtMs(after)} later`);
      kind ??= 'session-timeout';
    }
  }
  const joined = entry.membersBefore.length > 0 ? entry.membersAfter.filter((m) => !entry.membersBefore.includes(m)) : [];
  const leftInstances = new Set(left.map((l) => l.instanceId).filter((id): id is string => id !== null));
  for (const memberId of joined) {
    const instanceId = instanceOfMember(entry, memberId, faults);
    texts.push(instanceId !== null && leftInstances.has(instanceId) ? `${instanceId} rejoined as a new member` : `${instanceId ?? memberId} joined`);
    kind ??= 'joined';
  }
  // The round this generation was, said after who left or joined.
  if (rounds.includes('probing')) {
    texts.push('probing rebalance: the assignor checks whether warm-up tasks have caught up');
    kind ??= 'probing';
  } else if (reasons.some((r) => /revoke/i.test(r))) {
    texts.push('cooperative follow-up: the tasks revoked in the previous round are assigned');
    kind ??= 'follow-up';
  }
  if (kind) return { kind, text: texts.join('; ') };

  if (reasons.some((r) => /metadata/i.test(r))) return { kind: 'metadata', text: 'topic metadata changed (partitions added or a subscribed topic created)' };
  const lost = entry.members.filter((m) => m.lost.length > 0);
  if (lost.length) return { kind: 'lost', text: `${lost.map((m) => m.instanceId).join(', ')} lost the generation (tasks ${lost.flatMap((m) => m.lost).join(', ')} closed without hand-over)` };
  // Only the instances have spoken: a member that joined for the first time says so.
  const newcomers = entry.members.filter((m) => /joining the group|initial join/i.test(m.reason ?? '')).map((m) => m.instanceId);
  if (newcomers.length) return { kind: 'joined', text: `${newcomers.join(', ')} joined` };
  if (entry.cause && entry.cause !== 'unknown') return { kind: 'other', text: entry.cause };
  const said = [...new Set(reasons.filter(Boolean))];
  return { kind: 'other', text: said.length ? `members rejoined: ${said.join('; ')}` : 'cause unknown' };
}

export interface PauseSummary {
  kept: { count: number; medianMs: number | null; maxMs: number | null };
  moved: { count: number; medianMs: number | null; maxMs: number | null };
}

function stats(values: number[]): { count: number; medianMs: number | null; maxMs: number | null } {
  if (values.length === 0) return { count: 0, medianMs: null, maxMs: null };
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return { count: s.length, medianMs: s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2, maxMs: s[s.length - 1]! };
}

/** The processing pause of tasks that stayed and tasks that moved, over some generations. */
export function pauseSummary(entries: readonly GenerationEntry[]): PauseSummary {
  const pauses = entries.flatMap((e) => e.pauses);
  return { kept: stats(pauses.filter((p) => p.kind === 'kept').map((p) => p.pauseMs)), moved: stats(pauses.filter((p) => p.kind === 'moved').map((p) => p.pauseMs)) };
}

/** The group's rebalance protocol, as its members reported it. */
export function protocolOf(entries: readonly GenerationEntry[]): string | null {
  for (const e of entries) for (const m of e.members) if (m.protocol) return m.protocol;
  return null;
}
