// One string key per topic partition, for maps.
export function partitionKey(topic: string, partition: number): string {
  return `${topic}\0${partition}`;
}

export function parsePartitionKey(key: string): { topic: string; partition: number } {
  const cut = key.lastIndexOf('\0');
  return { topic: key.slice(0, cut), partition: Number(key.slice(cut + 1)) };
}
