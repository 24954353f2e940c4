// Test helper: every event the monitor emitted is exactly what the console's contract allows
// (zod drops unknown keys, so a parsed copy equal to the original has none).
import { expect } from 'vitest';
import { SessionEvent, type SessionEventInput } from '../../session/api.js';

export function expectValidEvents(events: readonly SessionEventInput[]): void {
  for (const e of events) {
    const stamped = { seq: 1, ts: 1, ...e };
    expect(SessionEvent.parse(stamped)).toEqual(stamped);
  }
}
