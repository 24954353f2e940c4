// Collects what a task's records produce — sink outputs and changelog writes — until the next
// flush sends them in one batch. Changelog writes go to the task's own partition; outputs are
// partitioned by key by the producer, like Kafka's default partitioner.
import type { Message, TopicMessages } from 'kafkajs';
import type { OutputRecord } from '../records.js';

export class RecordCollector {
  readonly #byTopic = new Map<string, Message[]>();
  #count = 0;

  add(record: OutputRecord): void {
    this.#push(record.topic, {
      key: record.key,
      value: record.value,
      headers: record.headers as Message['headers'],
      timestamp: String(record.timestamp),
    });
  }

  addChange(topic: string, partition: number, key: Buffer, value: Buffer | null, timestamp: number): void {
    this.#push(topic, { key, value, partition, timestamp: String(timestamp) });
  }

  get size(): number {
    return this.#count;
  }

  /** Hands over everything collected and starts empty. */
  drain(): TopicMessages[] {
    const batch = [...this.#byTopic].map(([topic, messages]) => ({ topic, messages }));
    this.#byTopic.clear();
    this.#count = 0;
    return batch;
  }

  clear(): void {
    this.#byTopic.clear();
    this.#count = 0;
  }

  #push(topic: string, message: Message): void {
    const list = this.#byTopic.get(topic);
    if (list === undefined) this.#byTopic.set(topic, [message]);
    else list.push(message);
    this.#count++;
  }
}
