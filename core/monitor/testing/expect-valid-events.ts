// Test helper: every event the monitor emitted is exactly what its schema (and so the console's
// contract, which composes it) allows (zod drops unknown keys, so a parsed copy equal to the
// original has none).
import { expect } from 'vitest';
import { MonitorEvent } from '../types.js';

export function expectValidEvents(events: readonly MonitorEvent[]): void {
  for (const e of events) {
    expect(MonitorEvent.parse(e)).toEqual(e);
  }
}
