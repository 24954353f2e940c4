// The embedded cluster: the project's broker on 127.0.0.1, started at most once at a time, its
// data in <stateDir>/embedded (or in memory), its start and stop told as embedded.status and
// progress events.
import { join } from 'node:path';
import { CommandFailure, errorText } from '../errors.js';
import { startBroker } from '../../broker/broker.js';
import type { BrokerOptions, RunningBroker } from '../../broker/broker.js';
import type { Publisher } from './events.js';

export interface EmbeddedClusterOptions {
  stateDir: string;
  /** 0 picks a free port. */
  port: number;
  inMemory: boolean;
  brokerOptions: Partial<BrokerOptions> | undefined;
  /** Every group.rebalance.completed of the broker's coordinator: it knows the real generation. */
  onGeneration: (groupId: string, generation: number) => void;
}

export class EmbeddedCluster {
  readonly #events: Publisher;
  readonly #options: EmbeddedClusterOptions;
  #broker: RunningBroker | null = null;
  #starting: Promise<RunningBroker> | null = null;
  #unsubscribe: (() => void) | null = null;

  constructor(events: Publisher, options: EmbeddedClusterOptions) {
    this.#events = events;
    this.#options = options;
  }

  /** The running broker; started when it is not (concurrent calls share one start). */
  start(): Promise<RunningBroker> {
    if (this.#broker !== null) return Promise.resolve(this.#broker);
    this.#starting ??= (async () => {
      const dataDir = this.#options.inMemory ? null : join(this.#options.stateDir, 'embedded');
      const port = this.#options.port;
      let started = false;
      this.#events.publish({ type: 'embedded.status', state: 'starting', bootstrap: null, message: `starting the embedded cluster${dataDir ? ` (data in ${dataDir})` : ' (in memory)'}` });
      this.#events.progress('embedded', 'starting the embedded cluster', 0, false);
      try {
        const broker = await startBroker({
          ...this.#options.brokerOptions,
          host: '127.0.0.1',
          port,
          dataDir,
          logger: (level, message) => {
            if (!started) this.#events.progress('embedded', message, null, false);
            else if (level === 'error') this.#events.publish({ type: 'error', source: 'embedded', message });
          },
        });
        started = true;
        this.#broker = broker;
        this.#unsubscribe = broker.broker.onEvent((e) => {
          if (e.type === 'group.rebalance.completed') this.#options.onGeneration(e.groupId, e.generationId);
        });
        this.#events.publish({ type: 'embedded.status', state: 'running', bootstrap: broker.bootstrap, message: `the embedded cluster listens on ${broker.bootstrap}` });
        this.#events.progress('embedded', `the embedded cluster listens on ${broker.bootstrap}`, 1, true);
        return broker;
      } catch (error) {
        const message = `the embedded cluster did not start: ${errorText(error)}`;
        this.#events.publish({ type: 'embedded.status', state: 'error', bootstrap: null, message });
        this.#events.progress('embedded', message, null, true);
        throw new CommandFailure(message, 'conflict');
      } finally {
        this.#starting = null;
      }
    })();
    return this.#starting;
  }

  /** Waits for a start under way, then stops the broker if one runs. */
  async stop(): Promise<void> {
    await this.#starting?.catch(() => undefined);
    const broker = this.#broker;
    if (broker === null) return;
    this.#events.publish({ type: 'embedded.status', state: 'stopping', bootstrap: broker.bootstrap, message: 'stopping the embedded cluster' });
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#broker = null;
    await broker.close();
    this.#events.publish({ type: 'embedded.status', state: 'stopped', bootstrap: null, message: 'the embedded cluster stopped' });
  }
}
