// The tasks of any Kafka Streams member, read from its group protocol as DescribeGroups returns
// it: a group whose protocol type is "consumer" and protocol "stream" is a Kafka Streams
// application (StreamsPartitionAssignor's name), its members' metadata a consumer-protocol
// Subscription whose user data is Kafka Streams' SubscriptionInfo, and their assignments a
// consumer-protocol Assignment whose user data is AssignmentInfo. The codecs are the runtime's own
// (its assignor writes these bytes), so Java apps and hosted ones are read the same way.
import { decodeAssignment, decodeSubscription, groupByTopic } from '../protocol/consumer-protocol.js';
import { decodeAssignmentInfo, partitionTasks, type HostPartitions } from '../streams/runtime/assignment/assignment-info.js';
import { decodeSubscriptionInfo } from '../streams/runtime/assignment/subscription-info.js';
import { parseTaskId, sortTasks } from '../streams/runtime/tasks.js';
import type { StreamsMemberInfo } from './types.js';

/** StreamsPartitionAssignor.name(). */
export const STREAMS_PROTOCOL = 'stream';

export function isStreamsGroup(protocolType: string, protocol: string): boolean {
  return protocolType === 'consumer' && protocol === STREAMS_PROTOCOL;
}

/**
 * Null when the member's subscription does not carry a SubscriptionInfo this code reads (no bytes,
 * garbage, or a version newer than 11, of which Kafka Streams too reads only the version numbers).
 * An assignment that does not decode leaves the assignment fields empty. Never throws.
 */
export function streamsMemberInfo(metadata: Buffer | null | undefined, assignment: Buffer | null | undefined): StreamsMemberInfo | null {
  const subscription = metadata && metadata.length > 0 ? decodeSubscription(metadata) : null;
  if (!subscription?.userData) return null;
  // Garbage can decode into task ids no task has (negative numbers), which taskList rejects: the
  // whole member is then unreadable, never the poll.
  try {
    const info = decodeSubscriptionInfo(subscription.userData);
    if (info.future) return null;
    return {
      subscriptionVersion: info.version,
      latestSupportedVersion: info.latestSupportedVersion,
      processId: info.processId,
      userEndPoint: info.userEndPoint,
      taskOffsetSums: taskList(info.taskOffsetSums.keys()).map((task) => ({ task, offsetSum: info.taskOffsetSums.get(task)! })),
      subscriptionErrorCode: info.errorCode,
      ...assignmentPart(assignment),
    };
  } catch {
    return null;
  }
}

/**
 * streamsMemberInfo per member, decoded again only when its bytes change: a settled group's
 * members send the same metadata and assignment every poll, and decoding them is ~0.1 ms a member.
 */
export class StreamsMemberReader {
  /** Per group, per member id: the bytes last read and what they said. */
  readonly #last = new Map<string, Map<string, ReadMember>>();

  /** The members of one group, this poll; members no longer in it are forgotten. */
  readGroup(groupId: string, members: readonly { memberId: string; memberMetadata?: Buffer | null; memberAssignment?: Buffer | null }[]): (StreamsMemberInfo | null)[] {
    const before = this.#last.get(groupId);
    const now = new Map<string, ReadMember>();
    const out = members.map((m) => {
      const metadata = m.memberMetadata ?? EMPTY;
      const assignment = m.memberAssignment ?? EMPTY;
      const prev = before?.get(m.memberId);
      const info = prev && prev.metadata.equals(metadata) && prev.assignment.equals(assignment) ? prev.info : streamsMemberInfo(metadata, assignment);
      now.set(m.memberId, { metadata, assignment, info });
      return info;
    });
    this.#last.set(groupId, now);
    return out;
  }

  /** Forgets groups that are gone. */
  retain(groupIds: ReadonlySet<string>): void {
    for (const id of this.#last.keys()) if (!groupIds.has(id)) this.#last.delete(id);
  }
}

interface ReadMember {
  metadata: Buffer;
  assignment: Buffer;
  info: StreamsMemberInfo | null;
}

const EMPTY = Buffer.alloc(0);

type AssignmentPart = Pick<
  StreamsMemberInfo,
  'assignmentVersion' | 'activeTasks' | 'standbyTasks' | 'partitionTasks' | 'errorCode' | 'nextRebalanceAt' | 'partitionsByHost' | 'standbyPartitionsByHost'
>;

const NO_ASSIGNMENT: AssignmentPart = {
  assignmentVersion: null,
  activeTasks: [],
  standbyTasks: [],
  partitionTasks: [],
  errorCode: null,
  nextRebalanceAt: null,
  partitionsByHost: [],
  standbyPartitionsByHost: [],
};

function assignmentPart(bytes: Buffer | null | undefined): AssignmentPart {
  const consumer = bytes && bytes.length > 0 ? decodeAssignment(bytes) : null;
  if (!consumer?.userData) return NO_ASSIGNMENT;
  try {
    const info = decodeAssignmentInfo(consumer.userData);
    return {
      assignmentVersion: info.version,
      activeTasks: taskList(new Set(info.activeTasks)),
      standbyTasks: taskList(info.standbyTasks.keys()),
      // A leader that lists a task per partition lets every partition be named; one that does not
      // (not Kafka Streams) gets none rather than a guess.
      partitionTasks: partitionTasks(consumer.partitions, info.activeTasks) ?? [],
      errorCode: info.errorCode,
      nextRebalanceAt: info.nextRebalanceMs,
      partitionsByHost: info.partitionsByHost.map(hostPartitions),
      standbyPartitionsByHost: info.standbyPartitionsByHost.map(hostPartitions),
    };
  } catch {
    return NO_ASSIGNMENT;
  }
}

function hostPartitions(h: HostPartitions): StreamsMemberInfo['partitionsByHost'][number] {
  return { host: `${h.host}:${h.port}`, partitions: groupByTopic(h.partitions) };
}

/** Sorted task ids; throws on one that is not `<subtopology>_<partition>` of non-negative numbers. */
function taskList(ids: Iterable<string>): string[] {
  const list = [...ids];
  for (const id of list) parseTaskId(id);
  return sortTasks(list);
}
