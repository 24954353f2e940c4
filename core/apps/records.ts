// The record shapes the demo apps read and write, as zod schemas: the load generator writes
// inputs, the topologies turn them into outputs, and the verifier reads both back. Keys are
// plain UTF-8 strings (an account or sequence key); values are JSON.
import { z } from 'zod';
import type { Serde } from '../streams/index.js';

/**
 * One load-generator record. `seq` counts per key from 0 within one generator run (`gen`), so a
 * reader can tell a gap, a repeat and a reordering apart; `amount` is present on transfers only.
 */
export const InputValueSchema = z.object({
  gen: z.string().min(1),
  seq: z.number().int().nonnegative(),
  ts: z.number(),
  amount: z.number().int().optional(),
});
export type InputValue = z.infer<typeof InputValueSchema>;

/** bank-ledger's output: one entry per transfer, with the balance after it and where it came from. */
export const LedgerValueSchema = z.object({
  account: z.string(),
  amount: z.number().int(),
  balance: z.number().int(),
  gen: z.string().min(1),
  seq: z.number().int().nonnegative(),
  source: z.object({ partition: z.number().int().nonnegative(), offset: z.number().int().nonnegative() }),
});
export type LedgerValue = z.infer<typeof LedgerValueSchema>;

/** passthrough copies its input bytes, so its output is an input value. */
export const PassthroughValueSchema = InputValueSchema;
export type PassthroughValue = InputValue;

/** The value as JSON, or null when the bytes are not JSON or do not match the schema. */
export function parseJsonValue<T>(schema: z.ZodType<T>, bytes: Buffer | null): T | null {
  if (bytes === null) return null;
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return null;
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : null;
}

/**
 * A JSON serde that reads bytes not matching the schema as null instead of throwing: a topology
 * skips a null value (aggregations ignore it), where a throwing serde would stop the app on one
 * bad record for good.
 */
export function lenientJsonSerde<T>(schema: z.ZodType<T>): Serde<T> {
  return {
    serialize: (value) => (value === null ? null : Buffer.from(JSON.stringify(value), 'utf8')),
    deserialize: (bytes) => parseJsonValue(schema, bytes),
  };
}
