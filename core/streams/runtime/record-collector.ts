// Collects what a task's records produce — sink outputs and changelog writes — until the next
// flush hands them to the thread's producer. Changelog writes go to the task's own partition;
// outputs are partitioned by key by the producer (Java's murmur2, as Kafka's default partitioner).
import type { ProducerRecord } from '../../client/producer/producer.js';
import type { OutputRecord } from '../records.js';

export class RecordCollector {
  #records: ProducerRecord[] = [];

  add(record: OutputRecord): void {
    this.#records.push({ topic: record.topic, key: record.key, value: record.value, headers: record.headers as ProducerRecord['headers'], timestamp: record.timestamp });
  }

  addChange(topic: string, partition: number, key: Buffer, value: Buffer | null, timestamp: number): void {
    this.#records.push({ topic, partition, key, value, timestamp });
  }

  get size(): number {
    return this.#records.length;
  }

  /** Hands over everything collected and starts empty. */
  drain(): ProducerRecord[] {
    const records = this.#records;
    this.#records = [];
    return records;
  }

  clear(): void {
    this.#records = [];
  }
}
