// compression.type applied on produce, as Kafka's LogValidator does: a topic set to a codec stores
// every batch in that codec (uncompressed: none), re-encoding the ones the producer compressed
// otherwise; "producer" keeps the producer's codec. Producer id, epoch, sequence, transactional
// flag, timestamps, keys, values and headers are kept. The codecs' levels are not applied (the
// record codecs take none), so compression.*.level stay stored only.
import {
  ATTRIBUTES_OFFSET,
  compressionOf,
  decodeRecordBatch,
  encodeRecordBatch,
  isTransactional,
  timestampType,
  type Compression,
} from '../protocol/records/index.js';

/** BrokerCompressionType.targetCompression: the codec a batch is stored in. */
export function targetCompression(topicCompressionType: string, producerCodec: Compression): Compression {
  if (topicCompressionType === 'producer') return producerCodec;
  if (topicCompressionType === 'uncompressed') return 'none';
  return topicCompressionType as Compression;
}

/** The batch in `target` (the same bytes when it is already in it). */
export function recompressBatch(batch: Buffer, target: Compression): Buffer {
  const source = compressionOf(batch.readInt16BE(ATTRIBUTES_OFFSET));
  if (source === target) return batch;
  const { header, records } = decodeRecordBatch(batch);
  return encodeRecordBatch({
    baseOffset: header.baseOffset,
    partitionLeaderEpoch: header.partitionLeaderEpoch,
    producerId: header.producerId,
    producerEpoch: header.producerEpoch,
    baseSequence: header.baseSequence,
    transactional: isTransactional(header.attributes),
    compression: target,
    timestampType: timestampType(header.attributes),
    records: records.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp })),
  });
}
