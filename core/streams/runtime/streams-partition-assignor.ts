// The group assignor of a Kafka Streams application (StreamsPartitionAssignor), registered as
// protocol "stream". Every member's subscription carries Kafka Streams' SubscriptionInfo: its
// process id and, per task it has state for, the task offset sum (-2 for tasks it runs). The
// leader turns those into lags against the changelogs' end offsets, lets the high-availability
// task assignor place active, standby and warm-up tasks per client (process), spreads each
// client's tasks over its members, and answers with Kafka Streams' AssignmentInfo: active tasks
// in the order of the assigned partitions (sorted), standby tasks, and when to come back for a probing
// rebalance. Under the cooperative protocol a task whose partitions another member still owns
// is held back this round: its owner revokes it, and the follow-up rebalance hands it over.
import { randomUUID } from 'node:crypto';
import type { KafkaClient } from '../../client/client.js';
import { listOffsets } from '../../client/list-offsets.js';
import { partitionKey } from '../../client/assigned-partitions.js';
import type { AssignmentMetadata, AssignorMember, GroupAssignor, MemberAssignment } from '../../client/group/assignor.js';
import type { ConsumerAssignment } from '../../protocol/consumer-protocol.js';
import type { Topology } from '../topology/topology.js';
import { activeTaskList, decodeAssignmentInfo, encodeAssignmentInfo } from './assignment/assignment-info.js';
import { assignClientTasksToThreads } from './assignment/assign-tasks-to-threads.js';
import { assignTasks } from './assignment/high-availability-assignor.js';
import { decodeSubscriptionInfo, encodeSubscriptionInfo, LATEST_OFFSET } from './assignment/subscription-info.js';
import type { StreamsConfig } from './config.js';
import { changelogPartitions, sortTasks, sourcePartitions, taskId, type TaskId } from './tasks.js';

/** What this member was given, decoded from AssignmentInfo. */
export interface StreamsAssignment {
  generationId: number;
  active: TaskId[];
  /** Standby and warm-up tasks (AssignmentInfo does not tell them apart; the leader's plan does). */
  standby: TaskId[];
  /** Of `standby`, those the leader placed as warm-ups (known only on the leader). */
  warmup: TaskId[];
  /** When to rejoin for a probing rebalance (Date.now() clock), or null. */
  nextProbingRebalanceAt: number | null;
}

export interface StreamsAssignorOptions {
  topology: Topology;
  config: StreamsConfig;
  client: KafkaClient;
  processId: string;
  /** This client's task offset sums (-2 for running actives). */
  taskOffsetSums(): Map<TaskId, number>;
  onAssignment(assignment: StreamsAssignment): void;
}

interface ClientMembers {
  processId: string;
  members: AssignorMember[];
  taskOffsetSums: Map<TaskId, number>;
}

export class StreamsPartitionAssignor implements GroupAssignor {
  readonly name = 'stream';
  /** Kafka Streams' process id: one per KafkaStreams instance (kept in the state directory). */
  readonly processId: string;
  /** Warm-ups of the last plan this member computed as leader, by member id. */
  #warmupsByMember = new Map<string, TaskId[]>();

  constructor(private readonly opts: StreamsAssignorOptions) {
    this.processId = opts.processId;
  }

  subscriptionUserData(): Buffer {
    return encodeSubscriptionInfo({ processId: this.processId, taskOffsetSums: this.opts.taskOffsetSums() });
  }

  async assign(members: readonly AssignorMember[], metadata: AssignmentMetadata): Promise<Map<string, MemberAssignment>> {
    const { topology, config } = this.opts;
    const tasks = allTasks(topology, metadata);
    const stateful = new Set(tasks.filter((id) => changelogPartitions(topology, id).length > 0));
    const clients = groupByProcess(members);
    const plan = assignTasks({
      clients: [...clients.values()].map((c) => ({ processId: c.processId, capacity: c.members.length, taskOffsetSums: c.taskOffsetSums })),
      allTasks: tasks,
      changelogEndOffsetSums: await this.#changelogEndOffsetSums(stateful),
      configs: {
        numStandbyReplicas: config.numStandbyReplicas,
        acceptableRecoveryLag: config.acceptableRecoveryLag,
        maxWarmupReplicas: config.maxWarmupReplicas,
        probingRebalanceIntervalMs: config.probingRebalanceIntervalMs,
      },
      nowMs: Date.now(),
    });
    const nextRebalanceMs = plan.nextProbingRebalanceMs;

    const out = new Map<string, MemberAssignment>();
    this.#warmupsByMember = new Map();
    // Who owns which partition now, for the cooperative hand-over.
    const owner = new Map<string, string>();
    for (const m of members) for (const tp of m.subscription.ownedPartitions) owner.set(partitionKey(tp.topic, tp.partition), m.memberId);
    for (const c of clients.values()) {
      const p = plan.clients.get(c.processId) ?? { active: [], standby: [], warmup: [] };
      const perMember = assignClientTasksToThreads(
        p,
        c.members.map((m) => ({ memberId: m.memberId, taskOffsetSums: subscriptionOf(m)?.taskOffsetSums ?? new Map<TaskId, number>() })),
        plan.lags.get(c.processId) ?? new Map<TaskId, number>(),
      );
      for (const m of c.members) {
        const mine = perMember.get(m.memberId) ?? { active: [], standby: [], warmup: [] };
        let active = mine.active;
        let heldBack: TaskId[] = [];
        if (config.rebalanceProtocol === 'cooperative') {
          const ownedElsewhere = (id: TaskId) =>
            sourcePartitions(topology, id).some((tp) => (owner.get(partitionKey(tp.topic, tp.partition)) ?? m.memberId) !== m.memberId);
          heldBack = active.filter(ownedElsewhere);
          active = active.filter((id) => !ownedElsewhere(id));
        }
        // AssignmentInfo: one task per assigned partition, in sorted partition order.
        const { partitions, activeTasks } = activeTaskList(active.map((id) => ({ task: id, partitions: sourcePartitions(topology, id) })));
        // On the wire warm-ups are standby tasks; only this leader knows which are which.
        // A held-back stateful task stays a standby here until the follow-up round, so the warm
        // copy it is moving to is not dropped in between.
        const copies = sortTasks(new Set([...mine.standby, ...mine.warmup, ...heldBack.filter((id) => stateful.has(id))]));
        const standbyTasks = new Map(copies.map((id) => [id, sourcePartitions(topology, id)]));
        this.#warmupsByMember.set(m.memberId, [...mine.warmup]);
        out.set(m.memberId, { partitions, userData: encodeAssignmentInfo({ activeTasks, standbyTasks, nextRebalanceMs }) });
      }
    }
    return out;
  }

  onAssignment(assignment: ConsumerAssignment, generationId: number): void {
    const info = assignment.userData ? decodeAssignmentInfo(assignment.userData) : null;
    const active = sortTasks(new Set(info?.activeTasks ?? []));
    const standby = sortTasks(info?.standbyTasks.keys() ?? []);
    const memberWarmups = [...this.#warmupsByMember.values()].flat();
    this.opts.onAssignment({
      generationId,
      active,
      standby,
      warmup: standby.filter((id) => memberWarmups.includes(id)),
      nextProbingRebalanceAt: info?.nextRebalanceMs ?? null,
    });
  }

  /** Per stateful task, the sum of its changelogs' end offsets (the LSO under exactly-once). */
  async #changelogEndOffsetSums(stateful: Set<TaskId>): Promise<Map<TaskId, number>> {
    const { topology, client, config } = this.opts;
    const partitions = [...stateful].flatMap((id) => changelogPartitions(topology, id));
    const isolation = config.processingGuarantee === 'exactly_once_v2' ? 'read_committed' : 'read_uncommitted';
    const ends = partitions.length > 0 ? await listOffsets(client, partitions, 'latest', isolation) : new Map<string, number | Error>();
    const sums = new Map<TaskId, number>();
    for (const id of stateful) {
      let sum = 0;
      for (const tp of changelogPartitions(topology, id)) {
        const end = ends.get(partitionKey(tp.topic, tp.partition));
        if (end instanceof Error) throw new Error(`cannot list the end offset of changelog ${tp.topic}-${tp.partition}: ${end.message}`);
        sum += end ?? 0;
      }
      sums.set(id, sum);
    }
    return sums;
  }
}

/** Every task of the topology: one per partition of each sub-topology's (co-partitioned) sources. */
function allTasks(topology: Topology, metadata: AssignmentMetadata): TaskId[] {
  const ids: TaskId[] = [];
  for (const sub of topology.subtopologies) {
    const counts = sub.sourceTopics.map((t) => metadata.partitionCounts.get(t) ?? 0);
    const n = Math.max(0, ...counts);
    for (let p = 0; p < n; p++) ids.push(taskId(sub.id, p));
  }
  return sortTasks(ids);
}

function groupByProcess(members: readonly AssignorMember[]): Map<string, ClientMembers> {
  const clients = new Map<string, ClientMembers>();
  for (const m of [...members].sort((a, b) => a.memberId.localeCompare(b.memberId))) {
    const info = subscriptionOf(m);
    // A member whose subscription we cannot read is a client of its own, with no state.
    const processId = info?.processId ?? randomUUID();
    const c = clients.get(processId) ?? { processId, members: [], taskOffsetSums: new Map<TaskId, number>() };
    c.members.push(m);
    for (const [id, sum] of info?.taskOffsetSums ?? []) {
      const prev = c.taskOffsetSums.get(id);
      c.taskOffsetSums.set(id, prev === LATEST_OFFSET || sum === LATEST_OFFSET ? LATEST_OFFSET : Math.max(prev ?? sum, sum));
    }
    clients.set(processId, c);
  }
  return clients;
}

function subscriptionOf(m: AssignorMember): { processId: string; taskOffsetSums: Map<TaskId, number> } | null {
  if (!m.subscription.userData) return null;
  try {
    const info = decodeSubscriptionInfo(m.subscription.userData);
    return info.future ? null : info;
  } catch {
    return null;
  }
}
