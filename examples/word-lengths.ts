// A user-written stream app, run on its own with plain Node (no console):
//
//   node --import tsx examples/word-lengths.ts --bootstrap 127.0.0.1:9092 [--guarantee exactly_once_v2]
//
// It reads sentences from `sentences`, counts words per length into a state store, and writes
// `<length> → <count>` to `word-lengths`. Ctrl-C stops it gracefully (commit, leave the group).
import { parseArgs } from 'node:util';
import { KafkaStreams, Serdes, StreamsBuilder } from '../core/streams/index.js';
import type { ProcessingGuarantee } from '../core/streams/index.js';

const { values } = parseArgs({
  options: {
    bootstrap: { type: 'string', default: '127.0.0.1:9092' },
    guarantee: { type: 'string', default: 'exactly_once_v2' },
    'application-id': { type: 'string', default: 'word-lengths' },
  },
});

const builder = new StreamsBuilder();
builder
  .stream('sentences', { key: Serdes.String(), value: Serdes.String() })
  .flatMapValues((sentence) => (sentence ?? '').split(/\W+/).filter((w) => w.length > 0))
  .selectKey((_key, word) => String(word.length))
  .groupByKey({ key: Serdes.String(), value: Serdes.String() })
  .count('counts-by-length')
  .toStream()
  .mapValues((count) => String(count))
  .to('word-lengths', { value: Serdes.String() });

const streams = new KafkaStreams(builder.build(), {
  applicationId: values['application-id']!,
  bootstrapServers: [values.bootstrap!],
  processingGuarantee: values.guarantee as ProcessingGuarantee,
});
streams.onEvent((e) => {
  if (e.type === 'state') console.log(`state ${e.from} -> ${e.to}`);
  if (e.type === 'rebalance') console.log(`tasks ${e.assigned.join(', ') || '(none)'}`);
  if (e.type === 'error') console.error(`error: ${e.message}`);
});
const stop = () => void streams.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
try {
  await streams.start();
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
const failure = await streams.failed();
console.error(`stopped: ${failure.message}`);
await streams.close();
process.exit(1);
