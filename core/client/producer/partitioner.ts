// Which partition a record goes to, as the Java client's BuiltInPartitioner: an explicit
// partition wins; a keyed record goes to toPositive(murmur2(key)) % partitions (so the same key
// lands where a Java, librdkafka (murmur2_random) or kafkajs (DefaultPartitioner) producer puts
// it); a keyless record sticks to one partition until the batch it went into is sent (KIP-480,
// simplified: the switch happens when that partition's open batch closes, not by byte count).

/** Kafka's Utils.murmur2: MurmurHash2, seed 0x9747b28c, little-endian 4-byte blocks, as a signed int32. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  const m = 0x5bd1e995;
  const r = 24;
  let h = (0x9747b28c ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  // The Java switch falls through from 3 to 1: the same, spelled as ifs.
  const tail = length & ~3;
  const rest = length % 4;
  if (rest >= 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's Utils.toPositive: drops the sign bit (not Math.abs: abs(MIN_VALUE) is negative in Java). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** The partition of a keyed record among `numPartitions`. */
export function keyPartition(key: Uint8Array, numPartitions: number): number {
  return toPositive(murmur2(key)) % numPartitions;
}

export class Partitioner {
  /** Per topic, the partition keyless records stick to until its batch closes. */
  private readonly sticky = new Map<string, number>();

  constructor(private readonly random: () => number = Math.random) {}

  partition(topic: string, key: Buffer | null | undefined, explicit: number | undefined, numPartitions: number): number {
    if (explicit !== undefined) {
      if (!Number.isInteger(explicit) || explicit < 0 || explicit >= numPartitions) {
        throw new RangeError(`partition ${explicit} of ${topic} is not in [0, ${numPartitions})`);
      }
      return explicit;
    }
    if (key) return keyPartition(key, numPartitions);
    let p = this.sticky.get(topic);
    if (p === undefined || p >= numPartitions) {
      p = Math.floor(this.random() * numPartitions);
      this.sticky.set(topic, p);
    }
    return p;
  }

  /** The sticky partition's batch closed: the next keyless record picks another partition. */
  batchClosed(topic: string, partition: number, numPartitions: number): void {
    if (this.sticky.get(topic) !== partition) return;
    if (numPartitions <= 1) return;
    // Any partition but the one just filled, as BuiltInPartitioner does.
    const next = Math.floor(this.random() * (numPartitions - 1));
    this.sticky.set(topic, next >= partition ? next + 1 : next);
  }
}
