// A minimal raw Kafka client for tests: frame a request with our codec, send it on a socket,
// read one response frame. Lets tests speak to the broker below any client library.
import { connect, type Socket } from 'node:net';
import { decode, encode } from '../../protocol/codec.js';
import { readResponseHeader, writeRequestHeader } from '../../protocol/headers.js';
import { Reader, Writer } from '../../protocol/primitives.js';
import { API_SCHEMAS, ApiKey } from '../../protocol/apis.js';
import { decodeRecordBatch, type KafkaRecord } from '../../protocol/records/index.js';
import type { FetchResponse, FetchResponsePartitionData } from '../../protocol/schema/generated/index.js';
import type { BrokerAddress } from '../broker.js';

/** A whole request frame: size prefix, header, body. */
export function requestFrame(apiKey: number, version: number, correlationId: number, body: unknown): Buffer {
  const w = new Writer();
  w.int32(0);
  writeRequestHeader(w, { apiKey, apiVersion: version, correlationId, clientId: 'raw-client' });
  w.raw(encode(API_SCHEMAS.get(apiKey)!.request, version, body));
  const frame = w.toBuffer();
  frame.writeInt32BE(frame.length - 4, 0);
  return frame;
}

/** Writes `send` and resolves with the body of the first response frame (without size prefix). */
export function exchange(socket: Socket, send: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let acc = Buffer.alloc(0);
    socket.on('data', (d) => {
      acc = Buffer.concat([acc, d]);
      if (acc.length >= 4 && acc.length >= 4 + acc.readInt32BE(0)) resolve(acc.subarray(4, 4 + acc.readInt32BE(0)));
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('connection closed')));
    socket.write(send);
  });
}

export async function rawRequest<T>(address: BrokerAddress, apiKey: number, version: number, body: unknown): Promise<T> {
  const socket = connect(address.port, address.host);
  try {
    const response = await exchange(socket, requestFrame(apiKey, version, 7, body));
    const r = new Reader(response);
    const correlationId = readResponseHeader(r, apiKey, version);
    if (correlationId !== 7) throw new Error(`correlation id ${correlationId}, expected 7`);
    return decode<T>(API_SCHEMAS.get(apiKey)!.response, version, r);
  } finally {
    socket.destroy();
  }
}

export function fetchBody(
  topic: string,
  partition: number,
  fetchOffset: number,
  opts: { maxWaitMs?: number; isolationLevel?: number; maxBytes?: number } = {},
) {
  const maxBytes = opts.maxBytes ?? 10 << 20;
  return {
    replicaId: -1,
    maxWaitMs: opts.maxWaitMs ?? 100,
    minBytes: 1,
    maxBytes,
    isolationLevel: opts.isolationLevel ?? 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition, fetchOffset, partitionMaxBytes: maxBytes, logStartOffset: -1, currentLeaderEpoch: -1 }] }],
    forgottenTopicsData: [],
    rackId: '',
  };
}

/** Reads one partition with a Fetch v11 and decodes every record at or after `offset`. */
export async function rawFetch(
  address: BrokerAddress,
  topic: string,
  partition: number,
  offset: number,
): Promise<{ partition: FetchResponsePartitionData; records: KafkaRecord[] }> {
  const res = await rawRequest<FetchResponse>(address, ApiKey.Fetch, 11, fetchBody(topic, partition, offset));
  const p = res.responses[0]!.partitions[0]!;
  const records: KafkaRecord[] = [];
  const buf = p.records ?? Buffer.alloc(0);
  for (let pos = 0; pos + 12 <= buf.length; ) {
    const size = buf.readInt32BE(pos + 8) + 12;
    records.push(...decodeRecordBatch(buf.subarray(pos, pos + size)).records);
    pos += size;
  }
  return { partition: p, records: records.filter((r) => r.offset >= offset) };
}
