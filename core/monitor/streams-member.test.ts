// A Kafka Streams member read from DescribeGroups' bytes. The layouts are written out field by
// field from Kafka's encoders (ConsumerProtocolSubscription/Assignment.json, SubscriptionInfoData.json,
// AssignmentInfo.encode), not by the codecs under test.
import type { GroupDescription } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { cat, i16, i32, i64, i8, uuid, bytes, utf } from '../streams/runtime/assignment/test-bytes.js';
import { DEFAULT_EVALUATOR_RULES } from './lag-evaluator.js';
import { GroupWatcher } from './group-watcher.js';
import { StreamsMemberReader, streamsMemberInfo } from './streams-member.js';
import { GroupMember, type StreamsMemberInfo } from './types.js';

const PID = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const NO_RACK = i16(-1);
const NO_NAME = i16(-1); // a null namedTopology (nullable string)

/** ConsumerProtocolSubscription v3, as Kafka 4.x consumers write it: version, topics, userData, ownedPartitions, generationId, rackId. */
function subscriptionV3(topics: string[], userData: Buffer, owned: [string, number[]][] = [], generation = -1): Buffer {
  return cat(
    i16(3),
    i32(topics.length), ...topics.map(utf),
    i32(userData.length), userData,
    i32(owned.length), ...owned.map(([t, ps]) => cat(utf(t), i32(ps.length), ...ps.map(i32))),
    i32(generation),
    NO_RACK,
  );
}

/** ConsumerProtocolSubscription v0: version, topics, userData. */
function subscriptionV0(topics: string[], userData: Buffer): Buffer {
  return cat(i16(0), i32(topics.length), ...topics.map(utf), i32(userData.length), userData);
}

/** ConsumerProtocolAssignment (same body in v0-v3): version, [topic, [partition]], userData. */
function assignment(version: number, partitions: [string, number[]][], userData: Buffer): Buffer {
  return cat(
    i16(version),
    i32(partitions.length), ...partitions.map(([t, ps]) => cat(utf(t), i32(ps.length), ...ps.map(i32))),
    i32(userData.length), userData,
  );
}

// ---- Kafka Streams 3.x/4.x: SubscriptionInfo v11, AssignmentInfo v11.
// Sub-topology 0 reads clicks and views (co-partitioned); this member runs 0_0 and 0_2 and keeps
// a standby of 0_1. Its subscription says it ran 0_0 (-2) and had 120 changelog records of 0_1.
const SUB_V11 = cat(
  i32(11), i32(11), uuid(PID), bytes('10.0.0.5:7070'),
  i32(2),
  i32(0), i32(0), i64(-2), NO_NAME,
  i32(0), i32(1), i64(120), NO_NAME,
  i8(3), i32(0),
  i32(1), bytes('zone'), bytes('eu-1'),
);
// Active tasks one per partition in sorted order: clicks-0, clicks-2, views-0, views-2.
const ASG_V11 = cat(
  i32(11), i32(11),
  i32(4),
  i32(0), i32(0), i32(0), //                 0_0 + named-topology length 0
  i32(0), i32(2), i32(0), //                 0_2
  i32(0), i32(0), i32(0), //                 0_0
  i32(0), i32(2), i32(0), //                 0_2
  i32(1), i32(0), i32(1), i32(0), i32(2), utf('clicks'), i32(1), utf('views'), i32(1), // standby 0_1: clicks-1, views-1
  i32(2), i32(0), utf('clicks'), i32(1), utf('views'), //                                   topic dictionary
  i32(1), utf('10.0.0.5'), i32(7070), i32(4), i32(0), i32(0), i32(0), i32(2), i32(1), i32(0), i32(1), i32(2),
  i32(1), utf('10.0.0.5'), i32(7070), i32(2), i32(0), i32(1), i32(1), i32(1),
  i32(0),
  i64(1_765_000_000_000),
);

describe('streamsMemberInfo', () => {
  it('reads a Kafka Streams 4.x member: its process, end point, offset sums, tasks and which partition is which task', () => {
    // The consumer protocol lists views before clicks: the pairing sorts the partitions first.
    const info = streamsMemberInfo(
      subscriptionV3(['clicks', 'views'], SUB_V11, [['views', [0]], ['clicks', [0]]], 7),
      assignment(3, [['views', [2, 0]], ['clicks', [0, 2]]], ASG_V11),
    );
    expect(info).toEqual({
      subscriptionVersion: 11,
      latestSupportedVersion: 11,
      processId: PID,
      userEndPoint: '10.0.0.5:7070',
      taskOffsetSums: [{ task: '0_0', offsetSum: -2 }, { task: '0_1', offsetSum: 120 }],
      subscriptionErrorCode: 0,
      assignmentVersion: 11,
      activeTasks: ['0_0', '0_2'],
      standbyTasks: ['0_1'],
      partitionTasks: [
        { topic: 'clicks', partition: 0, task: '0_0' },
        { topic: 'clicks', partition: 2, task: '0_2' },
        { topic: 'views', partition: 0, task: '0_0' },
        { topic: 'views', partition: 2, task: '0_2' },
      ],
      errorCode: 0,
      nextRebalanceAt: 1_765_000_000_000,
      partitionsByHost: [{ host: '10.0.0.5:7070', partitions: [{ topic: 'clicks', partitions: [0, 2] }, { topic: 'views', partitions: [0, 2] }] }],
      standbyPartitionsByHost: [{ host: '10.0.0.5:7070', partitions: [{ topic: 'clicks', partitions: [1] }, { topic: 'views', partitions: [1] }] }],
    } satisfies StreamsMemberInfo);
    expect(GroupMember.shape.streams.parse(info)).toEqual(info);
  });

  it('reads SubscriptionInfo v7 (offset sums nested per sub-topology) with AssignmentInfo v7', () => {
    const sub = cat(
      i32(7), i32(7), uuid(PID), bytes(''),
      i32(2),
      i32(0), i32(2), i32(0), i64(-2), i32(3), i64(55), //   0_0 → -2, 0_3 → 55
      i32(1), i32(1), i32(1), i64(-3), //                    1_1 → unknown
    );
    const asg = cat(
      i32(7), i32(7),
      i32(2), i32(1), i32(1), i32(0), i32(0), //       1_1 (app-rep-1), 0_0 (in-0): sorted by topic
      i32(0),
      i32(0), i32(0), i32(0), //                       no dictionary, no hosts, no standby hosts
      i32(0),
      i64(0x7fffffffffffffffn), //                      no probing rebalance
    );
    const info = streamsMemberInfo(subscriptionV0(['in'], sub), assignment(0, [['in', [0]], ['app-rep', [1]]], asg));
    expect(info).toMatchObject({
      subscriptionVersion: 7,
      userEndPoint: null,
      taskOffsetSums: [{ task: '0_0', offsetSum: -2 }, { task: '0_3', offsetSum: 55 }, { task: '1_1', offsetSum: -3 }],
      assignmentVersion: 7,
      activeTasks: ['0_0', '1_1'],
      partitionTasks: [{ topic: 'app-rep', partition: 1, task: '1_1' }, { topic: 'in', partition: 0, task: '0_0' }],
      nextRebalanceAt: null,
      partitionsByHost: [],
    });
  });

  it('reads SubscriptionInfo v9 asking for shutdown, with AssignmentInfo v10 whose task ids carry a named topology', () => {
    const sub = cat(
      i32(9), i32(9), uuid(PID), bytes('h:1'),
      i32(0), //                         no task offset sums
      i8(0), i32(2), //                  uniqueField, errorCode 2 (shutdown requested)
    );
    const named = (subtopology: number, p: number) => cat(i32(subtopology), i32(p), i32(1), Buffer.from('\u0000t', 'latin1')); // writeChars('t')
    const asg = cat(i32(10), i32(10), i32(1), named(0, 4), i32(0), i32(0), i32(0), i32(0), i32(2), i64(0));
    const info = streamsMemberInfo(subscriptionV0(['in'], sub), assignment(1, [['in', [4]]], asg));
    expect(info).toMatchObject({
      subscriptionVersion: 9,
      subscriptionErrorCode: 2,
      userEndPoint: 'h:1',
      taskOffsetSums: [],
      assignmentVersion: 10,
      activeTasks: ['0_4'],
      partitionTasks: [{ topic: 'in', partition: 4, task: '0_4' }],
      errorCode: 2,
      nextRebalanceAt: 0,
    });
  });

  it('reads the oldest layouts: SubscriptionInfo v2 task sets, AssignmentInfo v2 host map without a dictionary', () => {
    const sub = cat(i32(2), uuid(PID), i32(1), i32(0), i32(1), i32(1), i32(0), i32(2), bytes('h:9'));
    const asg = cat(
      i32(2),
      i32(1), i32(0), i32(1), //                                   active 0_1
      i32(0),
      i32(1), utf('h'), i32(9), i32(1), utf('in'), i32(1), //     h:9 → in-1
    );
    const info = streamsMemberInfo(subscriptionV0(['in'], sub), assignment(0, [['in', [1]]], asg));
    expect(info).toMatchObject({
      subscriptionVersion: 2,
      latestSupportedVersion: -1,
      taskOffsetSums: [{ task: '0_1', offsetSum: -2 }, { task: '0_2', offsetSum: -3 }],
      assignmentVersion: 2,
      activeTasks: ['0_1'],
      partitionTasks: [{ topic: 'in', partition: 1, task: '0_1' }],
      errorCode: 0,
      nextRebalanceAt: null,
      partitionsByHost: [{ host: 'h:9', partitions: [{ topic: 'in', partitions: [1] }] }],
      standbyPartitionsByHost: [],
    });
  });

  it('is null for a subscription it cannot read: none (mid-rebalance), garbage, a task id no task has, a future version', () => {
    const asg = assignment(3, [['clicks', [0, 2]], ['views', [0, 2]]], ASG_V11);
    expect(streamsMemberInfo(Buffer.alloc(0), asg)).toBeNull();
    expect(streamsMemberInfo(null, asg)).toBeNull();
    expect(streamsMemberInfo(subscriptionV0(['in'], Buffer.from('not kafka streams')), asg)).toBeNull();
    expect(streamsMemberInfo(Buffer.from([0, 0, 0x7f]), asg)).toBeNull();
    const negative = cat(i32(11), i32(11), uuid(PID), bytes(''), i32(1), i32(-1), i32(0), i64(5), NO_NAME, i8(0), i32(0), i32(0));
    expect(streamsMemberInfo(subscriptionV0(['in'], negative), asg)).toBeNull();
    expect(streamsMemberInfo(subscriptionV0(['in'], cat(i32(12), i32(12), uuid(PID))), asg)).toBeNull();
  });

  it('keeps the subscription when the assignment cannot be read, and names no partition when the task list does not line up', () => {
    const sub = subscriptionV3(['clicks', 'views'], SUB_V11);
    expect(streamsMemberInfo(sub, assignment(0, [['in', [0]]], Buffer.from([0, 0, 0, 99])))).toMatchObject({
      processId: PID,
      assignmentVersion: null,
      activeTasks: [],
      partitionTasks: [],
      errorCode: null,
    });
    // Three partitions but four task entries: the tasks are read, the pairing is not made up.
    const short = streamsMemberInfo(sub, assignment(3, [['clicks', [0, 2]], ['views', [0]]], ASG_V11));
    expect(short).toMatchObject({ activeTasks: ['0_0', '0_2'], partitionTasks: [] });
  });
});

describe('StreamsMemberReader', () => {
  it('decodes a member again only when its bytes change', () => {
    const reader = new StreamsMemberReader();
    const sub = subscriptionV3(['clicks', 'views'], SUB_V11);
    const asg = assignment(3, [['clicks', [0, 2]], ['views', [0, 2]]], ASG_V11);
    const [first] = reader.readGroup('app', [{ memberId: 'm', memberMetadata: sub, memberAssignment: asg }]);
    // Equal bytes in new buffers, as each DescribeGroups answer brings: the same result object.
    const [again] = reader.readGroup('app', [{ memberId: 'm', memberMetadata: Buffer.from(sub), memberAssignment: Buffer.from(asg) }]);
    expect(again).toBe(first);
    const [changed] = reader.readGroup('app', [{ memberId: 'm', memberMetadata: sub, memberAssignment: Buffer.alloc(0) }]);
    expect(changed).toMatchObject({ processId: PID, assignmentVersion: null, activeTasks: [] });
    const [back] = reader.readGroup('app', [{ memberId: 'm', memberMetadata: sub, memberAssignment: asg }]);
    expect(back).not.toBe(first);
    expect(back).toEqual(first);
  });
});

describe('GroupWatcher with a Kafka Streams group', () => {
  const watcher = () =>
    new GroupWatcher({ memberInstance: () => null, readCommitted: () => false, statusRules: DEFAULT_EVALUATOR_RULES, maxScanLag: 10_000 }, null);
  const member = (id: string, metadata: Buffer, memberAssignment: Buffer) => ({ memberId: id, clientId: id, clientHost: '/10.0.0.5', memberMetadata: metadata, memberAssignment });
  const group = (protocol: string, members: GroupDescription['members']): GroupDescription => ({ groupId: 'app', state: 'Stable', protocolType: 'consumer', protocol, members });
  const noEnds = { byPartition: new Map(), existing: new Set<string>(), failures: [] };
  const asg = assignment(3, [['clicks', [0, 2]], ['views', [0, 2]]], ASG_V11);

  it('lists every member, with streams null for one whose user data is garbage', async () => {
    const g = group('stream', [member('good', subscriptionV3(['clicks'], SUB_V11), asg), member('bad', subscriptionV3(['clicks'], Buffer.from([1, 2, 3])), asg)]);
    const { snapshot } = await watcher().update(g, new Map(), noEnds, { bytesLeft: 0 }, 0);
    expect(snapshot.members.map((m) => [m.memberId, m.streams?.activeTasks ?? null])).toEqual([['good', ['0_0', '0_2']], ['bad', null]]);
    // Both still own their partitions as the consumer protocol says.
    expect(snapshot.members.map((m) => m.assignment.length)).toEqual([2, 2]);
  });

  it('does not read Kafka Streams user data in groups of other assignors', async () => {
    const g = group('range', [member('c', subscriptionV3(['clicks'], SUB_V11), asg)]);
    const { snapshot } = await watcher().update(g, new Map(), noEnds, { bytesLeft: 0 }, 0);
    expect(snapshot.members[0]!.streams).toBeNull();
  });
});
