// The shape of a message schema table: one description of every version of a message,
// the way Kafka's own JSON message specs are written. The codec walks these tables.

/** Inclusive version range; MAX_VERSION stands for "and every later version". */
export type Versions = readonly [min: number, max: number];
export const MAX_VERSION = 0x7fff;

export type PrimitiveType =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'string'
  | 'bytes'
  | 'records'
  | 'uuid';

export interface FieldSchema {
  /** camelCase of the spec's field name: the property name in decoded objects. */
  readonly name: string;
  readonly type: PrimitiveType | 'struct' | 'array';
  readonly versions: Versions;
  readonly nullable?: Versions;
  /** Tagged fields: the tag and the versions in which the field travels tagged. */
  readonly tag?: number;
  readonly tagged?: Versions;
  /** Spec default (null only where every version is nullable). */
  readonly default?: number | string | boolean | null;
  /** Element type of an array of primitives. */
  readonly items?: PrimitiveType;
  /** Fields of a struct, or of each element of an array of structs. */
  readonly fields?: readonly FieldSchema[];
}

export interface MessageSchema {
  readonly name: string;
  readonly apiKey?: number;
  readonly kind: 'request' | 'response' | 'header' | 'data';
  readonly validVersions: Versions;
  /** First flexible version range, or null when no version is flexible. */
  readonly flexibleVersions: Versions | null;
  readonly fields: readonly FieldSchema[];
}

export function inVersions(range: Versions | undefined, v: number): boolean {
  return range !== undefined && v >= range[0] && v <= range[1];
}

/** Records fields hold batches: one buffer when decoded, a list of chunks allowed when encoding. */
export type RecordsData = Buffer | readonly Buffer[] | null;
