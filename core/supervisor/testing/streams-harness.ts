// What the tests of supervised stream instances share: a supervisor whose events are collected
// (validated telemetry per instance, states, exit codes), topic creation, and the exactly-once
// verdict of the verifier once the load has drained.
import type { Kafka } from 'kafkajs';
import { expect } from 'vitest';
import type { Verifier } from '../../apps/verifier.js';
import { StreamsEvent } from '../../streams/index.js';
import { Supervisor, type InstanceState } from '../supervisor.js';

export interface SupervisedStreams {
  supervisor: Supervisor;
  /** Every valid telemetry event, with the instance that sent it, in arrival order. */
  events: { id: string; event: StreamsEvent }[];
  states: Map<string, InstanceState>;
  exits: Map<string, { code: number; at: number }>;
  /** One instance's telemetry (since event index `from`). */
  of(id: string, from?: number): StreamsEvent[];
}

export function superviseStreams(): SupervisedStreams {
  const supervisor = new Supervisor({ resourceIntervalMs: 0 });
  const events: { id: string; event: StreamsEvent }[] = [];
  const states = new Map<string, InstanceState>();
  const exits = new Map<string, { code: number; at: number }>();
  supervisor.onEvent((e) => {
    if (e.type === 'instance.state') states.set(e.id, e.to);
    if (e.type === 'instance.exit') exits.set(e.id, { code: e.exitCode, at: e.ts });
    if (e.type === 'instance.telemetry') {
      const parsed = StreamsEvent.safeParse(e.event);
      if (parsed.success) events.push({ id: e.id, event: parsed.data });
    }
  });
  return { supervisor, events, states, exits, of: (id, from = 0) => events.slice(from).filter((e) => e.id === id).map((e) => e.event) };
}

export async function createTopics(kafka: Kafka, topics: readonly string[], numPartitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions })) });
  } finally {
    await admin.disconnect();
  }
}

export type TaskEvent = Extract<StreamsEvent, { type: 'task' }>;
export type TxnEvent = Extract<StreamsEvent, { type: 'txn' }>;

/** Active-task events of one phase. */
export function taskEvents(events: readonly StreamsEvent[], phase: TaskEvent['phase']): TaskEvent[] {
  return events.filter((e): e is TaskEvent => e.type === 'task' && e.phase === phase && (e.role ?? 'active') === 'active');
}

export function txnEvents(events: readonly StreamsEvent[], phase: TxnEvent['phase']): TxnEvent[] {
  return events.filter((e): e is TxnEvent => e.type === 'txn' && e.phase === phase);
}

/** Drains the verifier and checks exactly-once delivery: nothing missing, nothing twice, money conserved. */
export async function expectExactlyOnce(verifier: Verifier, minInputs: number): Promise<void> {
  const snapshot = await verifier.waitForDrain({ timeoutMs: 60_000, quietMs: 3000 });
  expect(snapshot.inputs).toBeGreaterThan(minInputs);
  expect(snapshot.missing).toBe(0);
  expect(snapshot.duplicated).toBe(0);
  expect(snapshot.pending).toBe(0);
  expect(snapshot.money?.conserved).toBe(true);
}
