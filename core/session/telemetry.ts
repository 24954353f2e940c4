// What an `instance.telemetry` event carries, for the readers of the contract: the instance
// runtime's StreamsEvent schema (core/streams/runtime/telemetry.ts, pure zod), and the same
// schema loosened for a reader that must not break on a newer runtime — every enum read as a
// string (a new phase does not blank a view) and unknown fields kept. Pure zod, as api.ts.
import { z } from 'zod';
import { StreamsEvent } from '../streams/runtime/telemetry.js';

export { StreamsEvent };

/** A StreamsEvent as TelemetryView reads it: enum values as strings, objects open to more fields. */
export type Loosened<T> = T extends string
  ? string
  : T extends readonly (infer U)[]
    ? Loosened<U>[]
    : T extends object
      ? { [K in keyof T]: K extends 'type' ? T[K] : Loosened<T[K]> } & { [key: string]: unknown }
      : T;

export type TelemetryView = Loosened<StreamsEvent>;

/** The schema, loosened as Loosened<T> says: enums become strings, objects loose; `type` stays the discriminator. */
function loosen(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodEnum) return z.string();
  if (schema instanceof z.ZodOptional) return loosen(schema.unwrap() as z.ZodType).optional();
  if (schema instanceof z.ZodNullable) return loosen(schema.unwrap() as z.ZodType).nullable();
  if (schema instanceof z.ZodArray) return z.array(loosen(schema.element as z.ZodType));
  if (schema instanceof z.ZodObject) {
    return z.looseObject(Object.fromEntries(Object.entries(schema.shape as Record<string, z.ZodType>).map(([key, field]) => [key, key === 'type' ? field : loosen(field)])));
  }
  return schema;
}

export const TelemetryView = z.discriminatedUnion(
  'type',
  StreamsEvent.options.map((option) => loosen(option)) as unknown as Parameters<typeof z.discriminatedUnion>[1],
) as unknown as z.ZodType<TelemetryView>;

