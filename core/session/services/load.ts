// The load generator: one at a time (a new one replaces the old) on the app's input topic, its
// progress published as load.stats; for bank-ledger and passthrough it starts the verifier too.
import { CommandFailure, describeKafkaFailure, errorText, withTimeout } from '../errors.js';
import type { AppName } from '../api.js';
import { builtInApp } from '../../apps/instances/catalog.js';
import { LoadGenerator } from '../../apps/index.js';
import type { LoadGeneratorStats, LoadKind } from '../../apps/index.js';
import { DEFAULT_PARTITIONS } from './connection.js';
import type { ClusterConnection } from './connection.js';
import type { Publisher } from './events.js';
import type { Verification } from './verification.js';

const LOAD_KIND: Record<AppName, LoadKind> = { 'bank-ledger': 'transfers', passthrough: 'sequence', 'word-count': 'sentences' };

interface RunningLoad {
  app: AppName;
  generator: LoadGenerator;
  unsubscribe: () => void;
}

export interface LoadStart {
  app: AppName;
  ratePerSecond: number;
  keys: number;
}

export class Load {
  readonly #events: Publisher;
  readonly #connection: ClusterConnection;
  readonly #verification: Verification;
  readonly #connectTimeoutMs: number;
  #load: RunningLoad | null = null;

  constructor(events: Publisher, deps: { connection: ClusterConnection; verification: Verification; connectTimeoutMs: number }) {
    this.#events = events;
    this.#connection = deps.connection;
    this.#verification = deps.verification;
    this.#connectTimeoutMs = deps.connectTimeoutMs;
  }

  async start(args: LoadStart): Promise<void> {
    const conn = this.#connection.require();
    await this.stop();
    const { input, output } = builtInApp(args.app).defaultTopics;
    await this.#connection.ensureTopics(conn, [input, output], DEFAULT_PARTITIONS);
    const generator = new LoadGenerator({ kafka: conn.kafka, topic: input, ratePerSecond: args.ratePerSecond, keys: args.keys, kind: LOAD_KIND[args.app] });
    const unsubscribe = generator.onProgress((stats) => this.#publishStats(stats));
    const load: RunningLoad = { app: args.app, generator, unsubscribe };
    this.#load = load;
    try {
      await withTimeout(generator.start(), this.#connectTimeoutMs * 2, 'starting the load generator');
    } catch (error) {
      this.#load = null;
      unsubscribe();
      void generator.stop().catch(() => undefined);
      throw describeKafkaFailure(error, 'starting the load generator', conn.bootstrap);
    }
    this.#publishStats(generator.stats());
    if (args.app === 'bank-ledger' || args.app === 'passthrough') await this.#verification.start(conn, args.app);
  }

  pause(): void {
    this.#require().generator.pause();
    this.#publishStats(this.#require().generator.stats());
  }

  resume(): void {
    this.#require().generator.resume();
    this.#publishStats(this.#require().generator.stats());
  }

  setRate(ratePerSecond: number): void {
    this.#require().generator.setRate(ratePerSecond);
    this.#publishStats(this.#require().generator.stats());
  }

  async stop(): Promise<void> {
    const load = this.#load;
    if (load === null) return;
    this.#load = null;
    try {
      await withTimeout(load.generator.stop(), 10_000, 'stopping the load generator');
    } catch (error) {
      this.#events.publish({ type: 'error', source: 'load', message: errorText(error) });
    }
    this.#publishStats(load.generator.stats());
    load.unsubscribe();
  }

  #require(): RunningLoad {
    if (this.#load === null) throw new CommandFailure('no load is running; start one with load.start', 'not_found');
    return this.#load;
  }

  #publishStats(stats: LoadGeneratorStats): void {
    this.#events.publish({
      type: 'load.stats',
      state: stats.state,
      sent: stats.sent,
      acked: stats.acked,
      failed: stats.failed,
      ratePerSecond: stats.ratePerSecond,
      targetRatePerSecond: stats.targetRatePerSecond,
      lastError: stats.lastError,
    });
  }
}
