// The verifier of the app under load (bank-ledger, passthrough): one at a time, kept running after
// the load stops so its counts settle, its counts published as verifier.snapshot.
import { describeKafkaFailure, withTimeout } from '../errors.js';
import { builtInApp } from '../../apps/instances/catalog.js';
import { Verifier } from '../../apps/index.js';
import type { VerifierSnapshot } from '../../apps/index.js';
import type { Connection } from './connection.js';
import type { Publisher } from './events.js';

/** The apps a verifier checks. */
export type VerifiedApp = 'bank-ledger' | 'passthrough';

/** The verifier's throwaway consumer groups (core/apps/verifier.ts). */
export const VERIFIER_GROUP_PREFIX = 'streamwatch-verifier';

interface RunningVerifier {
  app: VerifiedApp;
  verifier: Verifier;
  unsubscribe: () => void;
  reportedFailure: boolean;
}

export class Verification {
  readonly #events: Publisher;
  readonly #connectTimeoutMs: number;
  readonly #intervalMs: number;
  #running: RunningVerifier | null = null;

  constructor(events: Publisher, options: { connectTimeoutMs: number; intervalMs: number }) {
    this.#events = events;
    this.#connectTimeoutMs = options.connectTimeoutMs;
    this.#intervalMs = options.intervalMs;
  }

  /** One verifier at a time; a running one for the same app is kept (it reads the topics whole). */
  async start(conn: Connection, app: VerifiedApp): Promise<void> {
    if (this.#running?.app === app && this.#running.verifier.snapshot().state === 'running') return;
    await this.stop();
    const { input, output } = builtInApp(app).defaultTopics;
    const verifier = new Verifier({ kafka: conn.kafka, app, inputTopic: input, outputTopic: output, updateIntervalMs: this.#intervalMs });
    const running: RunningVerifier = { app, verifier, unsubscribe: () => {}, reportedFailure: false };
    running.unsubscribe = verifier.onUpdate((s) => this.#publish(running, s));
    this.#running = running;
    try {
      await withTimeout(verifier.start(), this.#connectTimeoutMs * 3, 'starting the verifier');
    } catch (error) {
      this.#events.publish({ type: 'error', source: 'verifier', message: `the verifier did not start: ${describeKafkaFailure(error, 'starting the verifier', conn.bootstrap).message}` });
      if (this.#running === running) this.#running = null;
      running.unsubscribe();
      void verifier.stop().catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    const running = this.#running;
    if (running === null) return;
    this.#running = null;
    running.unsubscribe();
    await withTimeout(running.verifier.stop(), 10_000, 'stopping the verifier').catch(() => undefined);
  }

  #publish(running: RunningVerifier, s: VerifierSnapshot): void {
    if (this.#running !== running) return;
    if (s.state === 'failed' && !running.reportedFailure) {
      running.reportedFailure = true;
      this.#events.publish({ type: 'error', source: 'verifier', message: `the verifier stopped: ${s.error ?? 'unknown error'}` });
    }
    this.#events.publish({
      type: 'verifier.snapshot',
      app: s.app,
      inputs: s.inputs,
      outputs: s.outputs,
      missing: s.missing,
      duplicated: s.duplicated,
      outOfOrder: s.outOfOrder,
      pending: s.pending,
      moneyConserved: s.money?.conserved ?? null,
    });
  }
}
