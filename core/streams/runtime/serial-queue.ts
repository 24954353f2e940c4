// Runs async jobs one at a time, in order. The consumer's batches, the commit timer, rebalance
// handling and shutdown all touch the same tasks; one queue keeps them from interleaving.
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(job, job);
    this.#tail = next.catch(() => undefined);
    return next;
  }
}
