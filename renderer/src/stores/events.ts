import { defineStore } from 'pinia';
import { reactive } from 'vue';
import type { SessionEvent } from '../api/contract';
import { applyEvents, initialEvents, recordInvalid } from '../model/events';

export const useEventsStore = defineStore('events', () => {
  const state = reactive(initialEvents());
  function apply(e: SessionEvent): void {
    applyEvents(state, e);
  }
  function invalid(raw: unknown, error: string, receivedAt: number): void {
    recordInvalid(state, raw, error, receivedAt);
  }
  function reset(): void {
    // Invalid counts survive a session restart: they describe this window's feed.
    const { invalidCount, invalidTelemetryCount, invalid: samples } = state;
    Object.assign(state, initialEvents(), { invalidCount, invalidTelemetryCount, invalid: samples });
  }
  return { state, apply, invalid, reset };
});
