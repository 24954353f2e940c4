// Consumer groups as the monitor sees them: the latest snapshot of each, and which partitions just
// moved (to flash them on the board).
import type { GroupSnapshot, SessionEvent } from '../api/contract';

export interface GroupEntry {
  snapshot: GroupSnapshot;
  ts: number;
  /** "topic-partition" → when it last changed owner. */
  moved: Record<string, number>;
}

export interface GroupsState {
  byId: Record<string, GroupEntry>;
}

export function initialGroups(): GroupsState {
  return { byId: {} };
}

export function tpKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

export function applyGroups(state: GroupsState, e: SessionEvent): void {
  if (e.type === 'group.snapshot') {
    const prev = state.byId[e.group.groupId];
    state.byId[e.group.groupId] = { snapshot: e.group, ts: e.ts, moved: prev?.moved ?? {} };
  } else if (e.type === 'group.rebalance' && e.phase === 'completed') {
    const entry = state.byId[e.groupId];
    if (!entry) return;
    for (const m of e.moved) entry.moved[tpKey(m.topic, m.partition)] = e.ts;
  }
}

export function groupIds(state: GroupsState): string[] {
  return Object.keys(state.byId).sort();
}

/** The group to show first: one an instance of ours belongs to, else the busiest. */
export function defaultGroup(state: GroupsState, applicationIds: string[]): string | null {
  for (const id of applicationIds) if (state.byId[id]) return id;
  const entries = Object.values(state.byId).sort((a, b) => b.snapshot.members.length - a.snapshot.members.length || a.snapshot.groupId.localeCompare(b.snapshot.groupId));
  return entries[0]?.snapshot.groupId ?? null;
}

// ---------------------------------------------------------------- the assignment board

export interface BoardColumn {
  /** instanceId when known, else memberId; null for the "unassigned" column. */
  key: string | null;
  memberId: string | null;
  label: string;
  sublabel: string;
}

export interface BoardRow {
  topic: string;
  partition: number;
  key: string;
  /** Index into columns. */
  column: number;
  ownerKey: string | null;
  lag: number | null;
}

export interface Board {
  columns: BoardColumn[];
  rows: BoardRow[];
}

export function ownerKeyOf(m: { memberId: string; instanceId: string | null }): string {
  return m.instanceId ?? m.memberId;
}

/** Partitions × members: every partition the group owns or has offsets for, in the owner's column. */
export function buildBoard(snapshot: GroupSnapshot): Board {
  const members = [...snapshot.members].sort((a, b) => ownerKeyOf(a).localeCompare(ownerKeyOf(b)));
  const columns: BoardColumn[] = members.map((m) => ({
    key: ownerKeyOf(m),
    memberId: m.memberId,
    label: m.instanceId ?? m.clientId ?? m.memberId,
    sublabel: m.memberId,
  }));
  const owner = new Map<string, number>();
  members.forEach((m, i) => {
    for (const tp of m.assignment) for (const p of tp.partitions) owner.set(tpKey(tp.topic, p), i);
  });
  const lagByKey = new Map<string, { lag: number; memberId: string | null }>();
  for (const p of snapshot.partitions) lagByKey.set(tpKey(p.topic, p.partition), { lag: p.lag, memberId: p.memberId });

  const all = new Map<string, { topic: string; partition: number }>();
  for (const m of members) for (const tp of m.assignment) for (const p of tp.partitions) all.set(tpKey(tp.topic, p), { topic: tp.topic, partition: p });
  for (const p of snapshot.partitions) all.set(tpKey(p.topic, p.partition), { topic: p.topic, partition: p.partition });

  let needsUnassigned = false;
  const rows: BoardRow[] = [...all.entries()]
    .sort(([, a], [, b]) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
    .map(([key, tp]) => {
      let column = owner.get(key);
      if (column === undefined) {
        const byLag = lagByKey.get(key)?.memberId;
        const idx = byLag ? members.findIndex((m) => m.memberId === byLag) : -1;
        column = idx >= 0 ? idx : undefined;
      }
      if (column === undefined) needsUnassigned = true;
      const ownerMember = column === undefined ? undefined : members[column];
      return {
        topic: tp.topic,
        partition: tp.partition,
        key,
        column: column ?? members.length,
        ownerKey: ownerMember ? ownerKeyOf(ownerMember) : null,
        lag: lagByKey.get(key)?.lag ?? null,
      };
    });
  if (needsUnassigned || columns.length === 0) columns.push({ key: null, memberId: null, label: 'unassigned', sublabel: '' });
  return { columns, rows };
}
