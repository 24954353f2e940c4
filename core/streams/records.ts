// The records a topology consumes and produces, as bytes: the shape the runtime gets from and
// hands to kafkajs, kept free of kafkajs types so the topology needs no Kafka at all.

/** Same shape as kafkajs's IHeaders, so records pass between them without copying. */
export type Headers = { readonly [key: string]: Buffer | string | (Buffer | string)[] | undefined };

export interface InputRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Headers;
}

/** No partition: the RecordCollector picks it from the key, as Kafka's default partitioner does. */
export interface OutputRecord {
  topic: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Headers;
  timestamp: number;
}

/** One write to a state store; the runtime sends it to the store's changelog topic. */
export interface StoreChange {
  store: string;
  key: Buffer;
  value: Buffer | null;
}

/** Where the record being processed came from; user functions get it as their last argument. */
export interface RecordContext {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly headers: Headers;
}
