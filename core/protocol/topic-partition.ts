// A topic partition, and one string key per topic partition for maps — shared by the client,
// the monitor and the stream runtime so that a key made in one reads the same in another.
export interface TopicPartition {
  topic: string;
  partition: number;
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}\0${partition}`;
}

export function parsePartitionKey(key: string): TopicPartition {
  const cut = key.lastIndexOf('\0');
  return { topic: key.slice(0, cut), partition: Number(key.slice(cut + 1)) };
}
