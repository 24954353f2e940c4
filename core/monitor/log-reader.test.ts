import { describe, expect, it } from 'vitest';
import { encodeControlBatch, encodeRecordBatch } from '../protocol/records/index.js';
import { LogReader, type FetchLog } from './log-reader.js';

const data = (baseOffset: number, timestamps: number[], compression: 'none' | 'gzip' = 'none') =>
  encodeRecordBatch({ baseOffset, producerId: 7, producerEpoch: 0, transactional: true, compression, records: timestamps.map((timestamp) => ({ value: Buffer.from('v'), timestamp })) });
const marker = (baseOffset: number, type: 'COMMIT' | 'ABORT') => encodeControlBatch({ baseOffset, producerId: 7, producerEpoch: 0, type, coordinatorEpoch: 0, timestamp: 1 });

// Offsets 0-2 data, 3 marker, 4-7 data (gzip), 8 marker, 9-10 data, 11 marker; high watermark 12.
const LOG: { base: number; last: number; bytes: Buffer }[] = [
  { base: 0, last: 2, bytes: data(0, [100, 101, 102]) },
  { base: 3, last: 3, bytes: marker(3, 'COMMIT') },
  { base: 4, last: 7, bytes: data(4, [200, 201, 202, 203], 'gzip') },
  { base: 8, last: 8, bytes: marker(8, 'ABORT') },
  { base: 9, last: 10, bytes: data(9, [300, 301]) },
  { base: 11, last: 11, bytes: marker(11, 'COMMIT') },
];

/** Serves LOG as a broker would: whole batches from the one holding `offset`, at least one, up to maxBytes. */
function fakeLog() {
  const reads: number[] = [];
  const fetchLog: FetchLog = async (_topic, _partition, offset, maxBytes) => {
    reads.push(offset);
    const out: Buffer[] = [];
    let size = 0;
    for (const b of LOG.filter((x) => x.last >= offset)) {
      if (out.length > 0 && size + b.bytes.length > maxBytes) break;
      out.push(b.bytes);
      size += b.bytes.length;
    }
    return Buffer.concat(out);
  };
  return { reads, reader: new LogReader(fetchLog) };
}

const budget = () => ({ bytesLeft: 1 << 20 });

describe('LogReader.markersBetween', () => {
  it('counts the control records in [from, to)', async () => {
    const { reader } = fakeLog();
    expect(await reader.markersBetween('g', 't', 0, 0, 12, budget())).toEqual({ markers: 3, exact: true });
    expect(await reader.markersBetween('h', 't', 0, 4, 11, budget())).toEqual({ markers: 1, exact: true });
    expect(await reader.markersBetween('i', 't', 0, 8, 9, budget())).toEqual({ markers: 1, exact: true });
  });

  it('reads only what lies beyond what it already read for the group', async () => {
    const { reader, reads } = fakeLog();
    expect(await reader.markersBetween('g', 't', 0, 0, 9, budget())).toEqual({ markers: 2, exact: true });
    reads.length = 0;
    expect(await reader.markersBetween('g', 't', 0, 5, 12, budget())).toEqual({ markers: 2, exact: true });
    expect(reads).toEqual([9]);
  });

  it('reports a partial count when the byte budget runs out', async () => {
    const { reader } = fakeLog();
    const small = { bytesLeft: LOG[0]!.bytes.length };
    expect(await reader.markersBetween('g', 't', 0, 0, 12, small)).toEqual({ markers: 0, exact: false });
    expect(await reader.markersBetween('g', 't', 0, 0, 12, budget())).toEqual({ markers: 3, exact: true });
  });
});

describe('LogReader.firstRecordTimestamp', () => {
  it('is the timestamp of the first data record at or after the offset, skipping markers', async () => {
    const { reader } = fakeLog();
    expect(await reader.firstRecordTimestamp('g', 't', 0, 1, 12)).toBe(101);
    expect(await reader.firstRecordTimestamp('g', 't', 0, 3, 12)).toBe(200);
    expect(await reader.firstRecordTimestamp('g', 't', 0, 6, 12)).toBe(202);
    expect(await reader.firstRecordTimestamp('g', 't', 0, 11, 12)).toBeNull();
  });
});
