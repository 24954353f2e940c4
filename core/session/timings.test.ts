// The console's "Kafka defaults" are the runtime's own defaults (which are Kafka 4.x's:
// ConsumerConfig session.timeout.ms 45000, heartbeat.interval.ms 3000; StreamsConfig
// probing.rebalance.interval.ms 600000), so naming them changes nothing about how an instance runs.
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../streams/runtime/config.js';
import { TIMINGS, effectiveTimings } from './api.js';

describe('instances.start timings', () => {
  it("'kafka' is what the runtime does when given no timings", () => {
    const c = resolveConfig({ applicationId: 'app', bootstrapServers: ['127.0.0.1:9092'] });
    for (const [key, value] of Object.entries(TIMINGS.kafka)) expect([key, c[key as keyof typeof c]]).toEqual([key, value]);
    expect(TIMINGS.kafka).toMatchObject({ sessionTimeoutMs: 45_000, heartbeatIntervalMs: 3_000, probingRebalanceIntervalMs: 600_000 });
  });

  it('a session timeout override keeps the heartbeat at most a third of it, and the runtime accepts every result', () => {
    expect(effectiveTimings('demo', 60_000)).toEqual({ ...TIMINGS.demo, sessionTimeoutMs: 60_000, heartbeatIntervalMs: 1_000 });
    expect(effectiveTimings('kafka', 1_000)).toEqual({ ...TIMINGS.kafka, sessionTimeoutMs: 1_000, heartbeatIntervalMs: 333 });
    for (const name of ['kafka', 'demo'] as const) {
      for (const st of [undefined, 1_000, 6_000, 300_000]) {
        const t = effectiveTimings(name, st);
        expect(t.heartbeatIntervalMs).toBeLessThan(t.sessionTimeoutMs);
        const { probingRebalanceIntervalMs, ...rest } = t;
        const demoTimings = probingRebalanceIntervalMs < 60_000 ? { probingRebalanceIntervalMs } : undefined;
        expect(() => resolveConfig({ applicationId: 'app', bootstrapServers: ['127.0.0.1:9092'], ...rest, ...(demoTimings ? { demoTimings } : { probingRebalanceIntervalMs }) })).not.toThrow();
      }
    }
  });
});
