import { describe, expect, it } from 'vitest';
import { TopologyTestDriver } from '../streams/index.js';
import { passthroughTopology } from './passthrough.js';

describe('passthroughTopology', () => {
  it('copies key and value bytes unchanged, tombstones and keyless records included', () => {
    const driver = new TopologyTestDriver(passthroughTopology({ applicationId: 'pt' }));
    const value = Buffer.from([0xff, 0x00, 0x7b]); // not UTF-8: bytes must not be decoded
    const outputs = [
      driver.pipe('input', Buffer.from('k1'), value, { timestamp: 5, headers: { h: 'x' } }),
      driver.pipe('input', null, Buffer.from('v')),
      driver.pipe('input', Buffer.from('k2'), null),
    ].flatMap((r) => r.outputs);
    expect(outputs).toEqual([
      { topic: 'output', key: Buffer.from('k1'), value, timestamp: 5, headers: { h: 'x' } },
      { topic: 'output', key: null, value: Buffer.from('v'), timestamp: 0, headers: {} },
      { topic: 'output', key: Buffer.from('k2'), value: null, timestamp: 0, headers: {} },
    ]);
    expect(driver.topology.stores()).toEqual([]);
  });
});
