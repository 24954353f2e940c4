// What every session service is given to report with: the session's event bus, and the progress
// events of long work (both published in call order, stamped by the bus).
import type { SessionEventInput } from '../api.js';

export interface Publisher {
  publish(event: SessionEventInput): void;
  progress(task: string, message: string, fraction: number | null, done: boolean): void;
}
