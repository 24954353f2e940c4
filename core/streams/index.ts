// The public surface of core/streams: what an app file imports.
export { Serdes, SerializationError } from './serdes.js';
export type { Serde } from './serdes.js';
export type { Headers, InputRecord, OutputRecord, RecordContext, StoreChange } from './records.js';
export { InMemoryKeyValueStore, changeLogging } from './state/key-value-store.js';
export type { KeyValueStore, StorePutListener } from './state/key-value-store.js';
export { StreamsBuilder } from './topology/streams-builder.js';
export type { BuildOptions } from './topology/streams-builder.js';
export { KStream } from './topology/kstream.js';
export { KGroupedStream } from './topology/kgrouped-stream.js';
export { KTable } from './topology/ktable.js';
export { Topology } from './topology/topology.js';
export type { Subtopology } from './topology/topology.js';
export { TopologyError } from './topology/nodes.js';
export type { KeyValue, NodeKind, ProcessorKind, StoreSpec, TopologyNode } from './topology/nodes.js';
export type { NodeDescription, StoreDescription, SubtopologyDescription, TopologyDescription } from './topology/describe.js';
export { TopologyRunner, ProcessingError } from './topology/runner.js';
export type { ProcessResult, RunnerOptions } from './topology/runner.js';
export { TopologyTestDriver } from './topology/test-driver.js';
