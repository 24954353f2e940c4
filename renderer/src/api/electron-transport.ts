// The Electron preload's window.streamwatch: IPC underneath, so the link is always up. Events are
// validated again here like any other (the preload is a process boundary too).
import type { CommandName, StreamwatchApi } from './contract';
import { toFailure } from './errors';
import { Listeners, type LinkStatus, type Transport } from './transport';

const OPEN: LinkStatus = { state: 'open', attempt: 0, retryAt: null, error: null, everOpened: true };

export class ElectronTransport implements Transport {
  readonly kind = 'electron' as const;
  private readonly events = new Listeners<unknown>();
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly bridge: StreamwatchApi) {}

  start(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = this.bridge.onEvent((event) => this.events.emit(event as unknown));
  }

  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  status(): LinkStatus {
    return OPEN;
  }

  onStatus(listener: (status: LinkStatus) => void): () => void {
    // Always open: tell the new listener once.
    queueMicrotask(() => listener(OPEN));
    return () => {};
  }

  onRawEvent(listener: (raw: unknown) => void): () => void {
    return this.events.add(listener);
  }

  async request(command: string, args: unknown): Promise<unknown> {
    try {
      return await this.bridge.command(command as CommandName, args as never);
    } catch (err) {
      throw toFailure(err, command);
    }
  }
}
