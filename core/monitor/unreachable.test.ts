// An unreachable cluster: the monitor reports why, backs off, and stops when told.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../broker/testing/wait.js';
import type { ClusterStatusEvent, MonitorEvent } from './types.js';
import { ClusterMonitor } from './cluster-monitor.js';
import { createMonitorKafka } from './kafka-client.js';
import { expectValidEvents } from './testing/expect-valid-events.js';

// Port 1 on the loopback: nothing listens there, so connecting is refused at once.
const NOWHERE = '127.0.0.1:1';

type Status = ClusterStatusEvent;

/** A monitor on NOWHERE, counting its connection attempts. */
function watchNowhere() {
  const events: MonitorEvent[] = [];
  const kafka = createMonitorKafka({ brokers: [NOWHERE] });
  const counter = { attempts: 0 };
  const admin = kafka.admin.bind(kafka);
  kafka.admin = ((config) => {
    const a = admin(config);
    const connect = a.connect.bind(a);
    a.connect = () => {
      counter.attempts += 1;
      return connect();
    };
    return a;
  }) as Kafka['admin'];
  const monitor = new ClusterMonitor({ kafka, bootstrap: [NOWHERE], emit: (e) => events.push(e) });
  const statuses = () => events.filter((e): e is Status => e.type === 'cluster.status');
  return { monitor, events, statuses, counter };
}

describe('an unreachable cluster', () => {
  it('is reported as disconnected with a clear message and a retry delay growing from 1 s', async () => {
    const { monitor, events, statuses } = watchNowhere();
    monitor.start();
    try {
      await waitFor('three failed attempts', () => statuses().length >= 3, 20_000);
    } finally {
      await monitor.stop();
    }
    expect(statuses().slice(0, 3)).toEqual(
      [1000, 2000, 4000].map((retryInMs) => ({
        type: 'cluster.status',
        connected: false,
        embedded: false,
        bootstrap: NOWHERE,
        brokers: [],
        clusterId: null,
        error: 'cannot reach 127.0.0.1:1 — connection refused',
        retryInMs,
      })),
    );
    expect(events.every((e) => e.type === 'cluster.status')).toBe(true);
    expectValidEvents(events);
  });

  it('makes no further attempt once stopped', async () => {
    const { monitor, statuses, counter } = watchNowhere();
    monitor.start();
    await waitFor('a failed attempt', () => statuses().length >= 1);
    await monitor.stop();
    const attempts = counter.attempts;
    await sleep(1300); // past the 1 s retry that was scheduled
    expect(counter.attempts).toBe(attempts);
  });
});
