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
  DescribeConfigs: 32,
  AlterConfigs: 33,
  SaslAuthenticate: 36,
  CreatePartitions: 37,
  DeleteGroups: 42,
  DescribeProducers: 61,
  DescribeTransactions: 65,
  ListTransactions: 66,
} as const;
