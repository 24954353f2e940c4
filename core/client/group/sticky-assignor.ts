// A small sticky assignor in the manner of Kafka's (Cooperative)StickyAssignor, for simple
// consumers and tests (the stream runtime brings its own): every member keeps what it owns up to
// an even share, the rest goes to the least loaded. Under the cooperative protocol a partition
// still owned by another member is left unassigned this round — its owner revokes it and the
// follow-up rebalance hands it over (Kafka's CooperativeStickyAssignor.adjustAssignment).
import { partitionKey } from '../assigned-partitions.js';
import type { TopicPartition } from '../../protocol/consumer-protocol.js';
import type { AssignmentMetadata, AssignorMember, GroupAssignor, MemberAssignment } from './assignor.js';
import type { RebalanceProtocol } from './membership.js';

export function stickyAssignor(protocol: RebalanceProtocol, name = protocol === 'cooperative' ? 'cooperative-sticky' : 'sticky'): GroupAssignor {
  return {
    name,
    assign: (members, metadata) => assignSticky(members, metadata, protocol),
  };
}

export function assignSticky(
  members: readonly AssignorMember[],
  metadata: AssignmentMetadata,
  protocol: RebalanceProtocol,
): Map<string, MemberAssignment> {
  const sorted = [...members].sort((a, b) => a.memberId.localeCompare(b.memberId));
  const subscribes = (m: AssignorMember, topic: string) => m.subscription.topics.includes(topic);
  const all: TopicPartition[] = [];
  for (const topic of [...new Set(sorted.flatMap((m) => m.subscription.topics))].sort()) {
    for (let partition = 0; partition < (metadata.partitionCounts.get(topic) ?? 0); partition++) all.push({ topic, partition });
  }
  const exists = new Set(all.map((tp) => partitionKey(tp.topic, tp.partition)));

  // Who owns what now; when two claim one partition, the claim from the newer generation wins.
  const owner = new Map<string, AssignorMember>();
  for (const m of sorted) {
    for (const tp of m.subscription.ownedPartitions) {
      const key = partitionKey(tp.topic, tp.partition);
      if (!exists.has(key) || !subscribes(m, tp.topic)) continue;
      const other = owner.get(key);
      if (!other || other.subscription.generationId < m.subscription.generationId) owner.set(key, m);
    }
  }
  const owned = (m: AssignorMember) => all.filter((tp) => owner.get(partitionKey(tp.topic, tp.partition)) === m);

  // Even shares; the members that own the most get the extra ones, so fewer partitions move.
  const base = sorted.length > 0 ? Math.floor(all.length / sorted.length) : 0;
  let extra = sorted.length > 0 ? all.length % sorted.length : 0;
  const quota = new Map<AssignorMember, number>();
  for (const m of [...sorted].sort((a, b) => owned(b).length - owned(a).length)) quota.set(m, base + (extra-- > 0 ? 1 : 0));

  const result = new Map<AssignorMember, TopicPartition[]>(sorted.map((m) => [m, owned(m).slice(0, quota.get(m))]));
  const taken = new Set([...result.values()].flat().map((tp) => partitionKey(tp.topic, tp.partition)));
  for (const tp of all) {
    if (taken.has(partitionKey(tp.topic, tp.partition))) continue;
    const candidates = sorted.filter((m) => subscribes(m, tp.topic));
    const under = candidates.filter((m) => result.get(m)!.length < quota.get(m)!);
    const to = (under.length > 0 ? under : candidates).reduce<AssignorMember | null>(
      (best, m) => (best === null || result.get(m)!.length < result.get(best)!.length ? m : best),
      null,
    );
    if (to) result.get(to)!.push(tp);
  }

  return new Map(
    sorted.map((m) => {
      let partitions = result.get(m)!;
      if (protocol === 'cooperative') {
        partitions = partitions.filter((tp) => {
          const current = owner.get(partitionKey(tp.topic, tp.partition));
          return current === undefined || current === m;
        });
      }
      return [m.memberId, { partitions }];
    }),
  );
}
