// Executes a topology on one record at a time, synchronously and without Kafka: bytes in, bytes
// out, plus every store write. The runtime's StreamTask calls it between poll and send, so the
// outputs and the changelog writes of a record can go into one transaction; tests call it as is.
import type { InputRecord, OutputRecord, RecordContext, StoreChange } from '../records.js';
import { changeLogging, InMemoryKeyValueStore } from '../state/key-value-store.js';
import type { KeyValueStore } from '../state/key-value-store.js';
import type { StoreSpec, TopologyNode } from './nodes.js';
import type { Topology } from './topology.js';

export interface ProcessResult {
  outputs: OutputRecord[];
  storeChanges: StoreChange[];
}

export interface RunnerOptions {
  /** Run one sub-topology (one task's share); by default all of them. */
  subtopology?: number;
  /** Stores by name; missing ones are created in memory. Restore into these before processing. */
  stores?: Readonly<Record<string, KeyValueStore>>;
}

/** A processing failure, with where it happened: Kafka Streams reports the same facts. */
export class ProcessingError extends Error {
  override readonly name = 'ProcessingError';
  constructor(
    readonly node: string,
    readonly record: { topic: string; partition: number; offset: number },
    cause: unknown,
  ) {
    super(`processing ${record.topic}-${record.partition}@${record.offset} failed at ${node}: ${(cause as Error)?.message ?? String(cause)}`, {
      cause,
    });
  }
}

interface Step {
  readonly node: TopologyNode;
  readonly children: readonly Step[];
}

export class TopologyRunner {
  readonly #sources = new Map<string, Step>();
  readonly #stores = new Map<string, KeyValueStore>();
  readonly #logged = new Map<string, { spec: StoreSpec; store: KeyValueStore }>();
  // The result of the record being processed; the logged stores report into it.
  #result: ProcessResult = { outputs: [], storeChanges: [] };

  constructor(readonly topology: Topology, options: RunnerOptions = {}) {
    const subtopologies =
      options.subtopology === undefined ? topology.subtopologies : topology.subtopologies.filter((s) => s.id === options.subtopology);
    if (subtopologies.length === 0) throw new RangeError(`no sub-topology ${options.subtopology}`);
    const steps = new Map<string, Step>();
    const step = (node: TopologyNode): Step => {
      const known = steps.get(node.name);
      if (known !== undefined) return known;
      const made = { node, children: topology.children(node.name).map((child) => step(topology.node(child))) };
      steps.set(node.name, made);
      return made;
    };
    for (const subtopology of subtopologies) {
      for (const node of subtopology.nodes) {
        if (node.kind === 'source') for (const topic of node.topics) this.#sources.set(topic, step(node));
      }
      for (const name of subtopology.stores) {
        const spec = topology.store(name);
        const store = options.stores?.[name] ?? new InMemoryKeyValueStore(name);
        this.#stores.set(name, store);
        const logged = changeLogging(store, (key, value) => this.#result.storeChanges.push({ store: name, key, value }));
        this.#logged.set(name, { spec, store: logged });
      }
    }
  }

  /** The topics this runner accepts records from. */
  get sourceTopics(): string[] {
    return [...this.#sources.keys()];
  }

  /** The store itself (not the logging view): for restoring, reading and tests. */
  store(name: string): KeyValueStore {
    const store = this.#stores.get(name);
    if (store === undefined) throw new RangeError(`no store '${name}' in this runner`);
    return store;
  }

  process(record: InputRecord): ProcessResult {
    const source = this.#sources.get(record.topic);
    const node = source?.node;
    if (source === undefined || node?.kind !== 'source') {
      throw new RangeError(`topic '${record.topic}' is not a source of this runner (${this.sourceTopics.join(', ')})`);
    }
    const result: ProcessResult = { outputs: [], storeChanges: [] };
    this.#result = result;
    const ctx: RecordContext = {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      timestamp: record.timestamp,
      headers: record.headers,
    };
    this.#guard(node.name, ctx, () => {
      this.#forward(source, node.keySerde.deserialize(record.key), node.valueSerde.deserialize(record.value), ctx);
    });
    return result;
  }

  #forward(from: Step, key: unknown, value: unknown, ctx: RecordContext): void {
    for (const child of from.children) this.#guard(child.node.name, ctx, () => this.#run(child, key, value, ctx));
  }

  #run(step: Step, key: unknown, value: unknown, ctx: RecordContext): void {
    const node = step.node;
    switch (node.kind) {
      case 'source':
        throw new Error(`a source (${node.name}) cannot have a parent`);
      case 'filter':
        if (node.predicate(key, value, ctx)) this.#forward(step, key, value, ctx);
        return;
      case 'map': {
        const [k, v] = node.mapper(key, value, ctx);
        this.#forward(step, k, v, ctx);
        return;
      }
      case 'selectKey':
        this.#forward(step, node.selector(key, value, ctx), value, ctx);
        return;
      case 'flatMap':
        for (const [k, v] of node.mapper(key, value, ctx)) this.#forward(step, k, v, ctx);
        return;
      case 'mapValues':
        this.#forward(step, key, node.mapper(value, key, ctx), ctx);
        return;
      case 'flatMapValues':
        for (const v of node.mapper(value, key, ctx)) this.#forward(step, key, v, ctx);
        return;
      case 'peek':
        node.action(key, value, ctx);
        this.#forward(step, key, value, ctx);
        return;
      case 'aggregate': {
        // A null key has no row and a null value nothing to add: skipped, as in Kafka Streams.
        if (key === null || value === null) return;
        const logged = this.#logged.get(node.store);
        if (logged === undefined) throw new Error(`store '${node.store}' is not in this runner`);
        const keyBytes = logged.spec.keySerde.serialize(key);
        if (keyBytes === null) throw new Error(`the key serde of store '${node.store}' turned a key into null`);
        const current = logged.spec.valueSerde.deserialize(logged.store.get(keyBytes));
        const next = node.apply(key, value, current, ctx);
        logged.store.put(keyBytes, logged.spec.valueSerde.serialize(next));
        this.#forward(step, key, next, ctx);
        return;
      }
      case 'toStream':
        this.#forward(step, key, value, ctx);
        return;
      case 'sink':
        this.#result.outputs.push({
          topic: node.topic,
          key: node.keySerde.serialize(key),
          value: node.valueSerde.serialize(value),
          headers: ctx.headers,
          timestamp: ctx.timestamp,
        });
        return;
    }
  }

  #guard(node: string, ctx: RecordContext, run: () => void): void {
    try {
      run();
    } catch (err) {
      if (err instanceof ProcessingError) throw err;
      throw new ProcessingError(node, ctx, err);
    }
  }
}
