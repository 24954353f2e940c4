import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../api/contract';
import { activePreset, applyPreset, defaultStartForm, formTimings, GUARANTEE_OPTIONS, PROTOCOL_OPTIONS, startArgs, startFormError, startFormWarning, TIMING_PRESETS } from './start-form';

/** What the session receives: the form's arguments through the contract's own schema. */
const parsed = (form: ReturnType<typeof defaultStartForm>) => COMMANDS['instances.start'].args.parse(startArgs(form));

describe('start form', () => {
  it('the "Kafka defaults" preset is Kafka 4.x: session 45 s, heartbeat 3 s, probing every 10 min', () => {
    const form = applyPreset(defaultStartForm(), 'kafka');
    expect(form.sessionTimeoutS).toBe(45);
    expect(activePreset(form)).toBe('kafka');
    expect(formTimings(form)).toMatchObject({ sessionTimeoutMs: 45_000, heartbeatIntervalMs: 3_000, probingRebalanceIntervalMs: 600_000 });
    // Sent by name, with no override: the runtime's own defaults apply.
    expect(parsed(form)).toMatchObject({ timings: 'kafka' });
    expect(parsed(form).sessionTimeoutMs).toBeUndefined();
  });

  it('"Demo timings" is labelled as such and is the default: session 10 s, heartbeat 1 s, probing every 30 s', () => {
    const form = defaultStartForm();
    expect(activePreset(form)).toBe('demo');
    expect(TIMING_PRESETS.find((p) => p.name === 'demo')!.label).toBe('Demo timings');
    expect(TIMING_PRESETS.find((p) => p.name === 'kafka')!.label).toBe('Kafka defaults');
    expect(formTimings(form)).toMatchObject({ sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000, probingRebalanceIntervalMs: 30_000 });
    expect(parsed(form)).toMatchObject({ timings: 'demo', rebalanceProtocol: 'cooperative', numStandbyReplicas: 0, guarantee: 'exactly_once_v2' });
  });

  it('a session timeout typed over a preset is sent as an override, the heartbeat at most a third of it', () => {
    const form = { ...applyPreset(defaultStartForm(), 'kafka'), sessionTimeoutS: 6 };
    expect(activePreset(form)).toBeNull();
    expect(formTimings(form)).toMatchObject({ sessionTimeoutMs: 6_000, heartbeatIntervalMs: 2_000, probingRebalanceIntervalMs: 600_000 });
    expect(parsed(form)).toMatchObject({ timings: 'kafka', sessionTimeoutMs: 6_000 });
    // Choosing a preset again replaces the typed value.
    expect(activePreset(applyPreset(form, 'demo'))).toBe('demo');
    expect(parsed(applyPreset(form, 'demo')).sessionTimeoutMs).toBeUndefined();
  });

  it('sends the protocol, standbys, guarantee and application id as chosen', () => {
    const form = { ...defaultStartForm(), rebalanceProtocol: 'eager' as const, numStandbyReplicas: 2, count: 3, guarantee: 'at_most_once' as const, applicationId: ' ledger-2 ' };
    expect(startFormError(form)).toBeNull();
    expect(parsed(form)).toMatchObject({ rebalanceProtocol: 'eager', numStandbyReplicas: 2, count: 3, guarantee: 'at_most_once', applicationId: 'ledger-2' });
  });

  it('refuses what the contract would, in the fields’ words', () => {
    const base = defaultStartForm();
    expect(startFormError({ ...base, numStandbyReplicas: 4 })).toBe('Standby replicas: from 0 to 3.');
    expect(startFormError({ ...base, sessionTimeoutS: 0.5 })).toBe('Session timeout: from 1 to 300 s.');
    expect(startFormError({ ...base, sessionTimeoutS: 301 })).toBe('Session timeout: from 1 to 300 s.');
    expect(startFormError({ ...base, count: 0 })).toBe('Count: from 1 to 16 instances.');
    expect(startFormError({ ...base, applicationId: 'a b' })).toBe("Application id: letters, digits, '.', '_' and '-' only.");
    // And what it accepts, the contract accepts.
    for (const f of [{ ...base, numStandbyReplicas: 3, count: 4 }, { ...base, sessionTimeoutS: 1 }, { ...base, sessionTimeoutS: 300 }]) {
      expect(startFormError(f)).toBeNull();
      expect(COMMANDS['instances.start'].args.safeParse(startArgs(f)).success).toBe(true);
    }
  });

  it('warns of a session timeout a Kafka broker refuses, and of standbys with nowhere to go', () => {
    expect(startFormWarning({ ...defaultStartForm(), sessionTimeoutS: 5 })).toMatch(/group\.min\.session\.timeout\.ms \(6 s by default\)/);
    expect(startFormWarning({ ...defaultStartForm(), sessionTimeoutS: 6 })).toBeNull();
    expect(startFormWarning({ ...defaultStartForm(), count: 2, numStandbyReplicas: 2 })).toBe('With 2 instances, at most 1 standby replica can be placed (never on the active\'s instance).');
  });

  it('at most once is offered, and says it is a demonstration of loss, not a Kafka Streams guarantee', () => {
    const amo = GUARANTEE_OPTIONS.find((o) => o.value === 'at_most_once')!;
    expect(amo.label).toContain('a demonstration of loss, not a Kafka Streams guarantee');
    expect(GUARANTEE_OPTIONS.map((o) => o.value)).toEqual(['exactly_once_v2', 'at_least_once', 'at_most_once']);
    expect(PROTOCOL_OPTIONS[0]!.value).toBe('cooperative');
  });
});
