// A standby task (Kafka Streams' StandbyTask): a copy of a stateful task's stores on an instance
// that does not run it, kept current from the changelog by the StoreChangelogReader. A warm-up
// is a standby the assignor placed because the task should move here once caught up (KIP-441).
// When this instance is given the task as active, its state manager moves to the new StreamTask
// and only what was written since its last update is restored.
import type { ProcessorStateManager } from './state-manager.js';
import type { TaskId } from './tasks.js';

export type StandbyRole = 'standby' | 'warmup';

export class StandbyTask {
  /** Changelog records applied since the task was created. */
  updated = 0;

  constructor(
    readonly id: TaskId,
    readonly state: ProcessorStateManager,
    public role: StandbyRole,
  ) {}
}
