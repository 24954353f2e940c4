// The order in which Kafka lists DescribeConfigs entries. ConfigHelper builds the entries from a
// Scala 2.13 mutable.HashMap (`originals.filter(...) ++ nonInternalValues`, then `.filter` by the
// requested names), so the order is that map's iteration order: neither definition order nor
// alphabetical. That order is fully determined by the keys: buckets are `improveHash(hashCode) &
// (tableSize - 1)`, visited from 0 up, and a bucket keeps its nodes sorted by hash (equal hashes in
// insertion order); the table starts at 16 slots and doubles when an insert would reach 3/4 full.

/** java.lang.String.hashCode: s[0]*31^(n-1) + … + s[n-1] over UTF-16 code units, as a 32-bit int. */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** scala.collection.mutable.HashMap.improveHash. */
function improveHash(h: number): number {
  return (h ^ (h >>> 16)) | 0;
}

/** The table size a Scala mutable.HashMap reaches after `count` distinct inserts from empty. */
export function scalaHashMapTableSize(count: number): number {
  let size = 16;
  // put0 grows first when contentSize + 1 >= threshold, threshold = (size * 0.75).toInt.
  while (count >= Math.floor(size * 0.75)) size *= 2;
  return size;
}

/**
 * `names` in the iteration order of a Scala mutable.HashMap holding them, inserted in the given
 * order, whose table has `tableSize` slots (default: what that many inserts grow it to).
 */
export function scalaHashMapOrder(names: readonly string[], tableSize = scalaHashMapTableSize(new Set(names).size)): string[] {
  const keyed = [...new Set(names)].map((name, insertion) => {
    const hash = improveHash(javaStringHash(name));
    return { name, hash, bucket: hash & (tableSize - 1), insertion };
  });
  keyed.sort((a, b) => a.bucket - b.bucket || a.hash - b.hash || a.insertion - b.insertion);
  return keyed.map((k) => k.name);
}
