// API key → request/response schema, derived from the generated tables so the two cannot drift.
import * as generated from './schema/generated/index.js';
import type { MessageSchema } from './schema/types.js';

export interface ApiSchemas {
  readonly key: number;
  /** Kafka's name without the Request suffix, e.g. "Produce". */
  readonly name: string;
  readonly request: MessageSchema;
  readonly response: MessageSchema;
}

const all = Object.values(generated as Record<string, unknown>).filter(
  (v): v is MessageSchema => typeof v === 'object' && v !== null && 'fields' in v && 'kind' in v,
);

export const API_SCHEMAS: ReadonlyMap<number, ApiSchemas> = new Map(
  all
    .filter((s) => s.kind === 'request' && s.apiKey !== undefined)
    .map((req) => {
      const name = req.name.replace(/Request$/, '');
      const response = all.find((s) => s.name === `${name}Response`);
      if (!response) throw new Error(`no response schema for ${req.name}`);
      return [req.apiKey!, { key: req.apiKey!, name, request: req, response }];
    }),
);

export function apiName(key: number): string {
  return API_SCHEMAS.get(key)?.name ?? `Unknown(${key})`;
}

/** Well-known keys used by name in the code. */
export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  SaslHandshake: 17,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  DeleteRecords: 21,
  InitProducerId: 22,
  AddPartitionsToTxn: 24,
  AddOffsetsToTxn: 25,
  EndTxn: 26,
  TxnOffsetCommit: 28,
  DescribeAcls: 29,
  CreateAcls: 30,
  DeleteAcls: 31,
  DescribeConfigs: 32,
  AlterConfigs: 33,
  SaslAuthenticate: 36,
  CreatePartitions: 37,
  DeleteGroups: 42,
  IncrementalAlterConfigs: 44,
  AlterPartitionReassignments: 45,
  ListPartitionReassignments: 46,
  DescribeProducers: 61,
  DescribeTransactions: 65,
  ListTransactions: 66,
} as const;

/**
 * KIP-896: Kafka 4.0 dropped the versions of each API that no client newer than Kafka 2.1 (Nov
 * 2018) needs. Per API key, the first version Kafka 4.x still serves, from the "Versions 0-N were
 * removed in Apache Kafka 4.0" notes of clients/src/main/resources/common/message/*Request.json
 * (4.0.0), for the APIs this project knows. Metadata, FindCoordinator and JoinGroup carry no such
 * note in 4.x, and SaslHandshake v0 was kept (KAFKA-18270).
 */
export const KAFKA_4_FIRST_VERSION: ReadonlyMap<number, number> = new Map([
  [ApiKey.Produce, 3],
  [ApiKey.Fetch, 4],
  [ApiKey.ListOffsets, 1],
  [ApiKey.OffsetCommit, 2],
  [ApiKey.OffsetFetch, 1],
  [ApiKey.CreateTopics, 2],
  [ApiKey.DeleteTopics, 1],
  [ApiKey.DescribeAcls, 1],
  [ApiKey.CreateAcls, 1],
  [ApiKey.DeleteAcls, 1],
  [ApiKey.DescribeConfigs, 1],
  [23 /* OffsetForLeaderEpoch */, 2],
  [35 /* DescribeLogDirs */, 1],
]);

/** The Kafka release whose clients already use only versions Kafka 4.x keeps (KIP-896's baseline). */
export const KIP_896_BASELINE_RELEASE = '2.1';

/**
 * Versions Kafka 4.x lists in ApiVersions although it refuses requests at them: Produce from v0,
 * because librdkafka turns compression off when Produce v0-2 are not listed (KAFKA-18659,
 * ProduceRequest.json 4.0: "these versions have to be included in the api versions response").
 */
export const ADVERTISED_FROM: ReadonlyMap<number, number> = new Map([[ApiKey.Produce, 0]]);
