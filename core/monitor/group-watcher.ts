// One GroupSnapshot per group per poll: members and their decoded assignments (in a Kafka
// Streams group also their tasks, streams-member.ts), lag per partition, Burrow's status over the
// recent commits (lag-evaluator.ts), and rebalances inferred from the changes.
//
// Lag of a partition, in records:
//   end  = high watermark, or the LSO for a group that reads read_committed
//   lag  = max(0, end − committed) − control records (transaction markers) in [committed, end)
// The markers are counted by reading that range of the log (read_uncommitted) when the raw lag
// is at most maxScanLag records; above that, and when the log cannot be read, they are not
// subtracted. Aborted data records count as lag (a read_committed consumer still has to skip
// them); so do offsets removed by compaction. A partition with no committed offset has no lag.
// timeLagMs = now − timestamp of the first data record at or after the committed offset.
import type { GroupDescription } from 'kafkajs';
import type { GroupMember, GroupSnapshot, PartitionLag } from './types.js';
import { decodeAssignment } from './assignment.js';
import { isStreamsGroup, StreamsMemberReader } from './streams-member.js';
import { readKey, type LogReader, type ScanBudget } from './log-reader.js';
import type { CommittedOffsets, EndOffsets, PartitionEnds } from './offsets.js';
import { parsePartitionKey, partitionKey } from '../protocol/topic-partition.js';
import { RebalanceTracker, type RebalanceEvent } from './rebalance.js';
import { EMPTY_WINDOW, evaluatePartition, observe, worstStatus, type EvaluatorRules, type PartitionWindow } from './lag-evaluator.js';
import type { LagStatus } from './types.js';

/** A member as DescribeGroups v4+ describes it: kafkajs's shape, plus the static identity kafkajs (v0–2) never reads. */
export type DescribedMember = GroupDescription['members'][number] & { groupInstanceId?: string | null };

export interface GroupWatcherOptions {
  memberInstance: (clientId: string) => string | null;
  readCommitted: (groupId: string) => boolean;
  statusRules: EvaluatorRules;
  maxScanLag: number;
}

export class GroupWatcher {
  private readonly tracker = new RebalanceTracker();
  /** Per group, per partition: the commits and end offsets the status is judged on. */
  private readonly histories = new Map<string, Map<string, PartitionWindow>>();
  /** Kafka Streams members' tasks, decoded once per change of their bytes. */
  private readonly streams = new StreamsMemberReader();

  constructor(
    private readonly opts: GroupWatcherOptions,
    /** null without raw access: markers are not counted, time lag is unknown. */
    private readonly reader: LogReader | null,
  ) {}

  noteGeneration(groupId: string, generation: number): void {
    this.tracker.noteGeneration(groupId, generation);
  }

  /** `committed` null: the group's offsets could not be read. */
  async update(
    group: GroupDescription,
    committed: CommittedOffsets | null,
    ends: EndOffsets,
    budget: ScanBudget,
    now: number,
  ): Promise<{ snapshot: GroupSnapshot; rebalances: RebalanceEvent[] }> {
    const streams = isStreamsGroup(group.protocolType, group.protocol) ? this.streams.readGroup(group.groupId, group.members) : null;
    const members: GroupMember[] = group.members.map((m, i) => ({
      memberId: m.memberId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      assignment: decodeAssignment(group.protocolType, m.memberAssignment),
      instanceId: this.opts.memberInstance(m.clientId),
      groupInstanceId: (m as DescribedMember).groupInstanceId ?? null,
      streams: streams?.[i] ?? null,
    }));
    const rebalances = this.tracker.observe(group.groupId, { state: group.state, members }, now);
    const owners = new Map<string, string>();
    for (const m of members) for (const a of m.assignment) for (const p of a.partitions) owners.set(partitionKey(a.topic, p), m.memberId);

    const history = this.histories.get(group.groupId) ?? new Map<string, PartitionWindow>();
    this.histories.set(group.groupId, history);
    const rules = this.opts.statusRules;
    const hasMembers = members.length > 0;
    const partitions: PartitionLag[] = [];
    const statuses: LagStatus[] = [];
    const watched = new Set<string>();
    const keys = [...new Set([...(committed?.keys() ?? []), ...owners.keys()])].sort(byTopicPartition);
    for (const key of keys) {
      const end = ends.byPartition.get(key);
      const offset = committed?.get(key) ?? null;
      if (!end) {
        // Offsets left behind on a deleted topic are not lag; an unreadable end offset is ERR.
        if (!ends.existing.has(parsePartitionKey(key).topic)) continue;
        watched.add(key);
        // Burrow drops a commit it has no broker offset for; the window is kept as it was.
        const window = history.get(key) ?? EMPTY_WINDOW;
        history.set(key, window);
        statuses.push(evaluatePartition(window, { now, currentLag: null, hasMembers }, rules));
        continue;
      }
      watched.add(key);
      const p = await this.partitionLag(group.groupId, key, offset, end, owners.get(key) ?? null, budget);
      partitions.push(p);
      const lagEnd = this.opts.readCommitted(group.groupId) ? end.lastStable : end.highWatermark;
      const window = observe(history.get(key) ?? EMPTY_WINDOW, { at: now, committed: offset, end: lagEnd, lag: p.lag }, rules);
      history.set(key, window);
      statuses.push(evaluatePartition(window, { now, currentLag: p.lag, hasMembers }, rules));
    }
    for (const key of history.keys()) if (!watched.has(key)) history.delete(key);

    const status = committed === null ? 'ERR' : worstStatus(statuses);
    const timeLags = partitions.map((p) => p.timeLagMs).filter((t): t is number => t !== null);
    const snapshot: GroupSnapshot = {
      groupId: group.groupId,
      state: group.state,
      protocolType: group.protocolType,
      protocol: group.protocol,
      generation: this.tracker.generation(group.groupId),
      members,
      partitions,
      totalLag: partitions.reduce((sum, p) => sum + p.lag, 0),
      totalTimeLagMs: timeLags.length > 0 ? Math.max(...timeLags) : null,
      status,
    };
    return { snapshot, rebalances };
  }

  /** Forgets groups that are gone and what was read for partitions no longer watched. */
  retain(groupIds: ReadonlySet<string>): void {
    this.streams.retain(groupIds);
    const reads = new Set<string>();
    for (const [groupId, history] of this.histories) {
      if (!groupIds.has(groupId)) {
        this.histories.delete(groupId);
        this.tracker.forget(groupId);
        continue;
      }
      for (const key of history.keys()) {
        const { topic, partition } = parsePartitionKey(key);
        reads.add(readKey(groupId, topic, partition));
      }
    }
    this.reader?.retain(reads);
  }

  private async partitionLag(
    groupId: string,
    key: string,
    committed: number | null,
    ends: PartitionEnds,
    memberId: string | null,
    budget: ScanBudget,
  ): Promise<PartitionLag> {
    const { topic, partition } = parsePartitionKey(key);
    const end = this.opts.readCommitted(groupId) ? ends.lastStable : ends.highWatermark;
    let lag = committed === null ? 0 : Math.max(0, end - committed);
    let timeLagMs: number | null = null;
    if (this.reader && committed !== null && lag > 0) {
      if (lag <= this.opts.maxScanLag) {
        const { markers } = await this.reader.markersBetween(groupId, topic, partition, committed, end, budget);
        lag = Math.max(0, lag - markers);
      }
      if (lag > 0) {
        const ts = await this.reader.firstRecordTimestamp(groupId, topic, partition, committed, end);
        timeLagMs = ts === null ? null : Math.max(0, Date.now() - ts);
      }
    }
    return { topic, partition, committed, end: ends.highWatermark, lso: ends.lastStable, lag, timeLagMs, memberId };
  }
}

function byTopicPartition(a: string, b: string): number {
  const x = parsePartitionKey(a);
  const y = parsePartitionKey(b);
  return x.topic.localeCompare(y.topic) || x.partition - y.partition;
}
