import { AssignerProtocol } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { decodeAssignment } from './assignment.js';

describe('decodeAssignment', () => {
  it('decodes the consumer protocol, sorted', () => {
    const data = AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: { b: [3, 1], a: [0] }, userData: Buffer.alloc(0) });
    expect(decodeAssignment('consumer', data)).toEqual([
      { topic: 'a', partitions: [0] },
      { topic: 'b', partitions: [1, 3] },
    ]);
  });

  it('is empty for other protocols, no bytes, and bytes it cannot read', () => {
    const data = AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: { a: [0] }, userData: Buffer.alloc(0) });
    expect(decodeAssignment('connect', data)).toEqual([]);
    expect(decodeAssignment('consumer', Buffer.alloc(0))).toEqual([]);
    expect(decodeAssignment('consumer', Buffer.from([0, 0, 0x7f, 0xff, 0xff, 0xff, 1]))).toEqual([]);
  });
});
