// The console's StreamwatchApi: commands checked against the contract on the way out (clear words
// for a bad form field before anything is sent) and on the way back; events validated, ordered and
// caught up by the EventFeed. The transport is the Electron preload when present, else the web
// shell's WebSocket.
import { COMMANDS, type CommandArgs, type CommandName, type CommandResult, type SessionEvent, type StreamwatchApi } from './contract';
import { ElectronTransport } from './electron-transport';
import { CommandFailure, describeZodError, toFailure } from './errors';
import { EventFeed } from './feed';
import { Listeners, type LinkStatus, type Transport } from './transport';
import { webSocketUrl, WsTransport } from './ws-transport';
import type { z } from 'zod';

export interface InvalidEvent {
  raw: unknown;
  error: string;
  receivedAt: number;
}

export class Client implements StreamwatchApi {
  readonly feed: EventFeed;
  private readonly events = new Listeners<SessionEvent>();
  private readonly invalids = new Listeners<InvalidEvent>();
  private readonly resets = new Listeners<void>();
  private readonly connects = new Listeners<void>();
  private readonly failures = new Listeners<string>();
  private started = false;

  constructor(readonly transport: Transport) {
    this.feed = new EventFeed(
      {
        deliver: (event) => this.events.emit(event),
        invalid: (raw, error) => this.invalids.emit({ raw, error, receivedAt: Date.now() }),
        reset: () => this.resets.emit(),
        historyFailed: (err) => this.failures.emit(`Could not fetch the event history: ${toFailure(err).message}`),
      },
      async (afterSeq) => (await this.command('events.history', { afterSeq })).events,
    );
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.transport.onRawEvent((raw) => this.feed.live(raw));
    this.transport.onStatus((status) => {
      if (status.state === 'open') void this.feed.catchUp().then(() => this.connects.emit());
    });
    this.transport.start();
  }

  async command<C extends CommandName>(name: C, args: CommandArgs<C>): Promise<CommandResult<C>> {
    const spec = COMMANDS[name] as { args: z.ZodType; result: z.ZodType & { shape?: object } };
    const checked = spec.args.safeParse(args ?? {});
    if (!checked.success) throw new CommandFailure(describeZodError(checked.error), 'INVALID_ARGS', name);
    let raw: unknown;
    try {
      raw = await this.transport.request(name, checked.data);
    } catch (err) {
      throw toFailure(err, name);
    }
    // Commands that answer nothing: whatever comes back is fine.
    if (spec.result.shape && Object.keys(spec.result.shape).length === 0) return {} as CommandResult<C>;
    const result = spec.result.safeParse(raw ?? {});
    if (!result.success) {
      throw new CommandFailure(`The service's answer to '${name}' did not match the contract: ${describeZodError(result.error)}`, 'BAD_RESULT', name);
    }
    return result.data as CommandResult<C>;
  }

  onEvent(listener: (event: SessionEvent) => void): () => void {
    return this.events.add(listener);
  }
  onInvalid(listener: (invalid: InvalidEvent) => void): () => void {
    return this.invalids.add(listener);
  }
  /** The session restarted: derived state is stale. */
  onReset(listener: () => void): () => void {
    return this.resets.add(listener);
  }
  /** After each (re)connect, once the history has been caught up. */
  onConnected(listener: () => void): () => void {
    return this.connects.add(listener);
  }
  onFailure(listener: (message: string) => void): () => void {
    return this.failures.add(listener);
  }
  onStatus(listener: (status: LinkStatus) => void): () => void {
    return this.transport.onStatus(listener);
  }
}

/** window.streamwatch (Electron) if the preload exposed it, else the web shell's WebSocket. */
export function createClient(win: Window = window): Client {
  const transport: Transport = win.streamwatch
    ? new ElectronTransport(win.streamwatch)
    : new WsTransport({ url: webSocketUrl(win.location) });
  return new Client(transport);
}
