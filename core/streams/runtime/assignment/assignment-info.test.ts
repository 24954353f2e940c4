import { describe, expect, it } from 'vitest';
import { activeTaskList, decodeAssignmentInfo, encodeAssignmentInfo, partitionTasks, type AssignmentInfo } from './assignment-info.js';
import { TaskAssignmentError } from './task-assignment-error.js';
import { cat, i32, i64, utf } from './test-bytes.js';

// v4: version, commonlySupportedVersion, active [sub, partition], standby [task, [topic, partition]],
// partitionsByHost [host, port, [topic, partition]], errorCode.
const V4 = cat(
  i32(4), i32(4),
  i32(2), i32(0), i32(0), i32(0), i32(0), //          active 0_0 twice: two source topics
  i32(1), i32(0), i32(1), i32(1), utf('app-store-changelog'), i32(1), // standby 0_1
  i32(1), utf('host-a'), i32(8080), i32(2), utf('clicks'), i32(0), utf('views'), i32(0),
  i32(0),
);

// v11: as v6+ with named-topology lengths (0) after each task id, a topic dictionary shared by the
// active and standby host maps, then errorCode and nextRebalanceMs int64.
const V11 = cat(
  i32(11), i32(11),
  i32(1), i32(1), i32(3), i32(0), //                   active 1_3
  i32(1), i32(0), i32(2), i32(0), i32(1), utf('app-store-changelog'), i32(2), // standby 0_2
  i32(2), i32(0), utf('clicks'), i32(1), utf('orders'),
  i32(1), utf('host-a'), i32(8080), i32(2), i32(0), i32(3), i32(1), i32(3),
  i32(1), utf('host-b'), i32(9090), i32(1), i32(0), i32(2),
  i32(0),
  i64(1_700_000_600_000),
);

const V11_INFO: AssignmentInfo = {
  version: 11,
  commonlySupportedVersion: 11,
  activeTasks: ['1_3'],
  standbyTasks: new Map([['0_2', [{ topic: 'app-store-changelog', partition: 2 }]]]),
  partitionsByHost: [{ host: 'host-a', port: 8080, partitions: [{ topic: 'clicks', partition: 3 }, { topic: 'orders', partition: 3 }] }],
  standbyPartitionsByHost: [{ host: 'host-b', port: 9090, partitions: [{ topic: 'clicks', partition: 2 }] }],
  errorCode: 0,
  nextRebalanceMs: 1_700_000_600_000,
};

describe('AssignmentInfo', () => {
  it('reads version 4 laid out by hand', () => {
    expect(decodeAssignmentInfo(V4)).toEqual({
      version: 4,
      commonlySupportedVersion: 4,
      activeTasks: ['0_0', '0_0'],
      standbyTasks: new Map([['0_1', [{ topic: 'app-store-changelog', partition: 1 }]]]),
      partitionsByHost: [{ host: 'host-a', port: 8080, partitions: [{ topic: 'clicks', partition: 0 }, { topic: 'views', partition: 0 }] }],
      standbyPartitionsByHost: [],
      errorCode: 0,
      nextRebalanceMs: null,
    } satisfies AssignmentInfo);
  });

  it('writes version 4 byte for byte', () => {
    const { version: _, ...input } = decodeAssignmentInfo(V4);
    expect(encodeAssignmentInfo(input, 4)).toEqual(V4);
  });

  it('reads the latest version (11) laid out by hand, with its topic dictionary', () => {
    expect(decodeAssignmentInfo(V11)).toEqual(V11_INFO);
  });

  it('writes the latest version by default, byte for byte', () => {
    const { version: _, ...input } = V11_INFO;
    expect(encodeAssignmentInfo(input)).toEqual(V11);
  });

  it('reads "no probing rebalance" (Long.MAX_VALUE) as null and writes it back', () => {
    const bytes = encodeAssignmentInfo({ activeTasks: [] });
    expect(bytes.subarray(-8)).toEqual(Buffer.from('7fffffffffffffff', 'hex'));
    expect(decodeAssignmentInfo(bytes).nextRebalanceMs).toBeNull();
    expect(decodeAssignmentInfo(encodeAssignmentInfo({ activeTasks: [], nextRebalanceMs: 0 })).nextRebalanceMs).toBe(0);
  });

  it('drops a named topology from a task id (v10+)', () => {
    const named = cat(V11.subarray(0, 12), i32(1), i32(3), i32(2), Buffer.from('\u0000t\u0000x', 'latin1'), V11.subarray(24));
    expect(decodeAssignmentInfo(named).activeTasks).toEqual(['1_3']);
  });

  it('round-trips every version with what that version carries', () => {
    const { version: _, ...input } = V11_INFO;
    for (let v = 1; v <= 11; v++) {
      const a = decodeAssignmentInfo(encodeAssignmentInfo(input, v));
      expect(a.version).toBe(v);
      expect(a.commonlySupportedVersion).toBe(v >= 3 ? 11 : -1);
      expect(a.activeTasks).toEqual(V11_INFO.activeTasks);
      expect(a.standbyTasks).toEqual(V11_INFO.standbyTasks);
      expect(a.partitionsByHost).toEqual(v >= 2 ? V11_INFO.partitionsByHost : []);
      expect(a.standbyPartitionsByHost).toEqual(v >= 6 ? V11_INFO.standbyPartitionsByHost : []);
      expect(a.nextRebalanceMs).toBe(v >= 7 ? V11_INFO.nextRebalanceMs : null);
    }
  });

  it('rejects truncated input and unknown versions with a clear error', () => {
    for (const cut of [0, 2, 10, 40, V11.length - 1]) {
      expect(() => decodeAssignmentInfo(V11.subarray(0, cut))).toThrow(TaskAssignmentError);
    }
    expect(() => decodeAssignmentInfo(V4.subarray(0, V4.length - 2))).toThrow(/cannot decode AssignmentInfo: truncated/);
    expect(() => decodeAssignmentInfo(cat(i32(12), i32(12)))).toThrow(/version 12 is unknown/);
    expect(() => encodeAssignmentInfo({ activeTasks: [] }, 0)).toThrow(/version 0 is unknown/);
  });

  it('rejects a partition whose topic index is not in the dictionary', () => {
    const bad = Buffer.from(V11);
    // host-a's second partition (topic index 1), then the standby map's count, then host-b
    bad.writeInt32BE(7, V11.indexOf(utf('host-b')) - 12);
    expect(() => decodeAssignmentInfo(bad)).toThrow(/topic index 7 is not in its dictionary/);
  });
});

describe('active tasks and their partitions', () => {
  // Task 0_0 reads clicks-0 and views-0, task 0_1 clicks-1 and views-1; sub-topology 1 reads
  // 'app-repartition' (sorted before both). Kafka sorts the pairs by partition, not by task.
  const tasks = [
    { task: '0_0', partitions: [{ topic: 'clicks', partition: 0 }, { topic: 'views', partition: 0 }] },
    { task: '0_1', partitions: [{ topic: 'clicks', partition: 1 }, { topic: 'views', partition: 1 }] },
    { task: '1_1', partitions: [{ topic: 'app-repartition', partition: 1 }] },
  ];

  it('lists one task per partition in sorted partition order, as the leader writes them', () => {
    const { partitions, activeTasks } = activeTaskList(tasks);
    expect(partitions.map((tp) => `${tp.topic}-${tp.partition}`)).toEqual(['app-repartition-1', 'clicks-0', 'clicks-1', 'views-0', 'views-1']);
    expect(activeTasks).toEqual(['1_1', '0_0', '0_1', '0_0', '0_1']);
  });

  it('pairs a member\'s partitions, in any order, with the tasks by position once sorted', () => {
    const { activeTasks } = activeTaskList(tasks);
    const received = [
      { topic: 'views', partition: 1 }, { topic: 'clicks', partition: 0 }, { topic: 'app-repartition', partition: 1 },
      { topic: 'views', partition: 0 }, { topic: 'clicks', partition: 1 },
    ];
    expect(partitionTasks(received, activeTasks)).toEqual([
      { topic: 'app-repartition', partition: 1, task: '1_1' },
      { topic: 'clicks', partition: 0, task: '0_0' },
      { topic: 'clicks', partition: 1, task: '0_1' },
      { topic: 'views', partition: 0, task: '0_0' },
      { topic: 'views', partition: 1, task: '0_1' },
    ]);
    expect(partitionTasks(received.slice(1), activeTasks)).toBeNull();
  });

  it('orders topics by UTF-16 code units as Java does, not by locale', () => {
    const { partitions } = activeTaskList([{ task: '0_0', partitions: [{ topic: 'b', partition: 0 }, { topic: 'B', partition: 0 }, { topic: 'a', partition: 0 }] }]);
    expect(partitions.map((tp) => tp.topic)).toEqual(['B', 'a', 'b']);
  });
});
