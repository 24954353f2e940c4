// Raw requests for the broker's tests, below any client library's conveniences: one request at
// an exact version on a fresh core/client connection, and hand-built frames on a plain socket
// (for what no client would send).
import type { Socket } from 'node:net';
import { BrokerConnection, requestFrame as clientRequestFrame } from '../../client/connection.js';
import { ApiKey } from '../../protocol/apis.js';
import { decodeRecordBatch, type KafkaRecord } from '../../protocol/records/index.js';
import type { FetchResponse, FetchResponsePartitionData } from '../../protocol/schema/generated/index.js';
import type { BrokerAddress } from '../broker.js';

/** A whole request frame: size prefix, header, body. */
export function requestFrame(apiKey: number, version: number, correlationId: number, body: unknown): Buffer {
  return clientRequestFrame(apiKey, version, correlationId, 'raw-client', body);
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

/** One request at exactly `version`, on a connection of its own. */
export async function rawRequest<T>(address: BrokerAddress, apiKey: number, version: number, body: unknown): Promise<T> {
  const conn = await BrokerConnection.open(address, { clientId: 'raw-client', connectionTimeoutMs: 5000, requestTimeoutMs: 30_000 });
  try {
    return await conn.requestAt<T>(apiKey, version, body);
  } finally {
    conn.close();
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
