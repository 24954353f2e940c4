import { describe, expect, it } from 'vitest';
import { Client } from './client';
import { CommandFailure } from './errors';
import { Listeners, type LinkStatus, type Transport } from './transport';
import { ev, resetSeq } from '../testing/fixtures';

class FakeTransport implements Transport {
  readonly kind = 'websocket' as const;
  readonly events = new Listeners<unknown>();
  readonly statuses = new Listeners<LinkStatus>();
  requests: { command: string; args: unknown }[] = [];
  answer: (command: string, args: unknown) => unknown = () => ({});
  request(command: string, args: unknown): Promise<unknown> {
    this.requests.push({ command, args });
    try {
      return Promise.resolve(this.answer(command, args));
    } catch (err) {
      return Promise.reject(err);
    }
  }
  onRawEvent(l: (raw: unknown) => void) {
    return this.events.add(l);
  }
  onStatus(l: (s: LinkStatus) => void) {
    return this.statuses.add(l);
  }
  status(): LinkStatus {
    return { state: 'open', attempt: 0, retryAt: null, error: null, everOpened: true };
  }
  start(): void {}
  close(): void {}
}

describe('Client', () => {
  it('refuses arguments the contract rejects, in words, without sending', async () => {
    const t = new FakeTransport();
    const c = new Client(t);
    const p = c.command('cluster.test', { profile: { name: 'x', bootstrapServers: ['nohost'], ssl: false, sasl: null } });
    await expect(p).rejects.toBeInstanceOf(CommandFailure);
    await expect(p).rejects.toThrow(/bootstrapServers\.0: expected host:port/);
    expect(t.requests).toHaveLength(0);
  });

  it('sends the parsed arguments (defaults filled in) and validates the result', async () => {
    const t = new FakeTransport();
    t.answer = () => ({ ids: ['i1', 'i2'] });
    const c = new Client(t);
    await expect(c.command('instances.start', { app: 'word-count', count: 2 })).resolves.toEqual({ ids: ['i1', 'i2'] });
    expect(t.requests[0]!.args).toEqual({ app: 'word-count', count: 2, guarantee: 'exactly_once_v2', partitions: 6, timings: 'demo', rebalanceProtocol: 'cooperative', numStandbyReplicas: 0 });
    t.answer = () => ({ ids: 'nope' });
    await expect(c.command('instances.start', { app: 'word-count' })).rejects.toThrow(/did not match the contract/);
  });

  it('accepts any answer to a command that returns nothing', async () => {
    const t = new FakeTransport();
    t.answer = () => undefined;
    await expect(new Client(t).command('instances.kill', { id: 'i1' })).resolves.toEqual({});
  });

  it('keeps the service\'s error message (CommandError.message) as the failure text', async () => {
    const t = new FakeTransport();
    t.answer = () => {
      throw { message: 'Broker 127.0.0.1:9092 refused the connection', code: 'ECONNREFUSED' };
    };
    await expect(new Client(t).command('cluster.useEmbedded', {})).rejects.toMatchObject({ message: 'Broker 127.0.0.1:9092 refused the connection', code: 'ECONNREFUSED' });
  });

  it('catches up on open, then reports connected; live events and invalid ones reach listeners', async () => {
    resetSeq();
    const t = new FakeTransport();
    t.answer = (command, args) => (command === 'events.history' ? { events: [ev('error', { seq: 1, source: 's', message: `after ${(args as { afterSeq: number }).afterSeq}` })] } : {});
    const c = new Client(t);
    const seen: number[] = [];
    const invalid: string[] = [];
    let connected = 0;
    c.onEvent((e) => seen.push(e.seq));
    c.onInvalid((i) => invalid.push(i.error));
    c.onConnected(() => connected++);
    c.start();
    t.statuses.emit({ state: 'open', attempt: 0, retryAt: null, error: null, everOpened: true });
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).toEqual([1]);
    expect(connected).toBe(1);
    t.events.emit(ev('error', { seq: 2, source: 's', message: 'live' }));
    t.events.emit({ type: 'error', seq: 3 });
    expect(seen).toEqual([1, 2]);
    expect(invalid).toHaveLength(1);
  });
});
