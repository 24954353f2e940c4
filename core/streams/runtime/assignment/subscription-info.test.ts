import { describe, expect, it } from 'vitest';
import {
  decodeSubscriptionInfo,
  encodeSubscriptionInfo,
  LATEST_OFFSET,
  previousActiveTasks,
  previousStandbyTasks,
  UNKNOWN_OFFSET_SUM,
  type SubscriptionInfo,
} from './subscription-info.js';
import { TaskAssignmentError } from './task-assignment-error.js';
import { bytes, cat, i16, i32, i64, i8, uuid } from './test-bytes.js';

const PID = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';

function decoded(buf: Buffer): SubscriptionInfo {
  const info = decodeSubscriptionInfo(buf);
  if (info.future) throw new Error('expected a known version');
  return info;
}

// v2: version, processId, prevTasks [sub, partition], standbyTasks [sub, partition], userEndPoint.
const V2 = cat(
  i32(2),
  uuid(PID),
  i32(2), i32(0), i32(1), i32(1), i32(0), // prev: 0_1, 1_0
  i32(1), i32(0), i32(2), //                 standby: 0_2
  bytes('host-a:8080'),
);

// v11: version, latestSupportedVersion, processId, userEndPoint,
// taskOffsetSums [sub, partition, offsetSum int64, namedTopology int16 -1], uniqueField, errorCode, clientTags.
const V11 = cat(
  i32(11),
  i32(11),
  uuid(PID),
  bytes('host-a:8080'),
  i32(3),
  i32(0), i32(1), i64(-2), i16(-1),
  i32(0), i32(2), i64(9_500), i16(-1),
  i32(2), i32(0), i64(123_456_789_012), i16(-1),
  i8(7),
  i32(0),
  i32(1), bytes('zone'), bytes('eu-1'),
);

describe('SubscriptionInfo', () => {
  it('reads version 2 laid out by hand: task sets become offset sums as Kafka reads them', () => {
    const info = decoded(V2);
    expect(info.version).toBe(2);
    expect(info.latestSupportedVersion).toBe(-1);
    expect(info.processId).toBe(PID);
    expect(info.userEndPoint).toBe('host-a:8080');
    expect([...info.taskOffsetSums]).toEqual([
      ['0_1', LATEST_OFFSET],
      ['1_0', LATEST_OFFSET],
      ['0_2', UNKNOWN_OFFSET_SUM],
    ]);
    expect(previousActiveTasks(info.taskOffsetSums)).toEqual(['0_1', '1_0']);
    expect(previousStandbyTasks(info.taskOffsetSums)).toEqual(['0_2']);
  });

  it('writes version 2 byte for byte', () => {
    const sums = new Map([['1_0', LATEST_OFFSET], ['0_2', UNKNOWN_OFFSET_SUM], ['0_1', LATEST_OFFSET]]);
    expect(encodeSubscriptionInfo({ processId: PID, taskOffsetSums: sums, userEndPoint: 'host-a:8080' }, 2)).toEqual(V2);
  });

  it('reads the latest version (11) laid out by hand', () => {
    const info = decoded(V11);
    expect(info).toMatchObject({ version: 11, latestSupportedVersion: 11, processId: PID, userEndPoint: 'host-a:8080', uniqueField: 7, errorCode: 0 });
    expect(info.taskOffsetSums).toEqual(new Map([['0_1', -2], ['0_2', 9_500], ['2_0', 123_456_789_012]]));
    expect(info.clientTags).toEqual(new Map([['zone', 'eu-1']]));
    expect(previousActiveTasks(info.taskOffsetSums)).toEqual(['0_1']);
    expect(previousStandbyTasks(info.taskOffsetSums)).toEqual(['0_2', '2_0']);
  });

  it('writes the latest version by default, byte for byte', () => {
    const out = encodeSubscriptionInfo({
      processId: PID,
      userEndPoint: 'host-a:8080',
      taskOffsetSums: new Map([['2_0', 123_456_789_012], ['0_1', -2], ['0_2', 9_500]]),
      uniqueField: 7,
      clientTags: new Map([['zone', 'eu-1']]),
    });
    expect(out).toEqual(V11);
  });

  it('reads version 7, whose offset sums nest partitions under their subtopology', () => {
    const v7 = cat(
      i32(7), i32(7), uuid(PID), bytes(''),
      i32(2),
      i32(0), i32(2), i32(0), i64(-2), i32(3), i64(42),
      i32(1), i32(1), i32(5), i64(0),
    );
    const info = decoded(v7);
    expect(info.userEndPoint).toBeNull();
    expect(info.taskOffsetSums).toEqual(new Map([['0_0', -2], ['0_3', 42], ['1_5', 0]]));
    expect(encodeSubscriptionInfo({ processId: PID, taskOffsetSums: info.taskOffsetSums, latestSupportedVersion: 7 }, 7)).toEqual(v7);
  });

  it('round-trips every version it writes', () => {
    const sums = new Map([['0_0', LATEST_OFFSET], ['0_1', 17], ['3_9', 0]]);
    for (let v = 1; v <= 11; v++) {
      const info = decoded(encodeSubscriptionInfo({ processId: PID, taskOffsetSums: sums, userEndPoint: 'h:1', errorCode: 1 }, v));
      expect(info.version).toBe(v);
      expect(info.processId).toBe(PID);
      expect(info.userEndPoint).toBe(v >= 2 ? 'h:1' : null);
      expect(info.errorCode).toBe(v >= 9 ? 1 : 0);
      // Before v7 only the task sets travel: a standby's offset sum is unknown.
      const expected = v >= 7 ? sums : new Map([['0_0', LATEST_OFFSET], ['0_1', UNKNOWN_OFFSET_SUM], ['3_9', UNKNOWN_OFFSET_SUM]]);
      expect(new Map([...info.taskOffsetSums].sort())).toEqual(new Map([...expected].sort()));
    }
  });

  it('reads only the two versions of a subscription newer than it knows (version probing)', () => {
    expect(decodeSubscriptionInfo(cat(i32(12), i32(12), Buffer.from('whatever comes next')))).toEqual({
      future: true,
      version: 12,
      latestSupportedVersion: 12,
    });
  });

  it('rejects truncated input with the place it ended', () => {
    for (const cut of [0, 3, 20, V11.length - 1]) {
      expect(() => decodeSubscriptionInfo(V11.subarray(0, cut))).toThrow(TaskAssignmentError);
    }
    expect(() => decodeSubscriptionInfo(V11.subarray(0, 30))).toThrow(/cannot decode SubscriptionInfo: truncated/);
  });

  it('rejects versions Kafka Streams rejects', () => {
    expect(() => decodeSubscriptionInfo(cat(i32(0), uuid(PID)))).toThrow(/version 0/);
    // v5 claiming to support only up to v4
    const v5 = encodeSubscriptionInfo({ processId: PID, taskOffsetSums: new Map(), latestSupportedVersion: 4 }, 5);
    expect(() => decodeSubscriptionInfo(v5)).toThrow(/version 5 with latest supported version 4/);
    expect(() => encodeSubscriptionInfo({ processId: 'not-a-uuid', taskOffsetSums: new Map() })).toThrow(/not a UUID/);
  });
});
