// What the client needs from a way of reaching the session: send a command, receive raw events,
// and know whether the link is up. Two implementations: the Electron preload (always up) and the
// WebSocket to the web shell (reconnects with backoff).

export type LinkState = 'connecting' | 'open' | 'closed';

export interface LinkStatus {
  state: LinkState;
  /** Consecutive failed attempts since the link was last open. */
  attempt: number;
  /** When the next attempt starts (ms since epoch), while closed. */
  retryAt: number | null;
  /** Why the link is down, in words. */
  error: string | null;
  /** Has it ever been open (distinguishes "connecting…" from "disconnected"). */
  everOpened: boolean;
}

export interface Transport {
  readonly kind: 'electron' | 'websocket';
  /** The raw result, or a rejection carrying a message (validated by the client). */
  request(command: string, args: unknown): Promise<unknown>;
  onRawEvent(listener: (raw: unknown) => void): () => void;
  onStatus(listener: (status: LinkStatus) => void): () => void;
  status(): LinkStatus;
  start(): void;
  close(): void;
}

export function initialStatus(): LinkStatus {
  return { state: 'connecting', attempt: 0, retryAt: null, error: null, everOpened: false };
}

/** A small listener set; returns the unsubscribe function. */
export class Listeners<T> {
  private readonly set = new Set<(value: T) => void>();
  add(listener: (value: T) => void): () => void {
    this.set.add(listener);
    return () => this.set.delete(listener);
  }
  emit(value: T): void {
    for (const listener of [...this.set]) {
      try {
        listener(value);
      } catch (err) {
        console.error('listener failed', err);
      }
    }
  }
}
