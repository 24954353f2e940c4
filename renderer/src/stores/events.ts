import { defineStore } from 'pinia';
import { markRaw, reactive, ref } from 'vue';
import type { SessionEvent } from '../api/contract';
import { applyEvents, initialEvents, recordInvalid, type EventsState } from '../model/events';

/** The event lists are facts, never edited: kept out of Vue's reactivity (hundreds arrive per
 * second); `version` changes when they do. */
function fresh(): EventsState {
  const s = initialEvents();
  s.items = markRaw(s.items);
  s.notable = markRaw(s.notable);
  return s;
}

export const useEventsStore = defineStore('events', () => {
  const state = reactive(fresh());
  const version = ref(0);
  function apply(e: SessionEvent): void {
    applyEvents(state, e);
    version.value++;
  }
  function invalid(raw: unknown, error: string, receivedAt: number): void {
    recordInvalid(state, raw, error, receivedAt);
  }
  function reset(): void {
    // Invalid counts survive a session restart: they describe this window's feed.
    const { invalidCount, invalidTelemetryCount, invalid: samples } = state;
    Object.assign(state, fresh(), { invalidCount, invalidTelemetryCount, invalid: samples });
    version.value++;
  }
  return { state, version, apply, invalid, reset };
});
