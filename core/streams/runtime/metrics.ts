// Rates and latencies over the interval since the last snapshot.
export class ThreadMetrics {
  recordsIn = 0;
  recordsOut = 0;
  #processNs = 0n;
  #processCount = 0;
  #commitMs: number[] = [];
  #since = performance.now();

  addProcess(ns: bigint): void {
    this.#processNs += ns;
    this.#processCount++;
  }

  addCommit(ms: number): void {
    this.#commitMs.push(ms);
  }

  snapshot(): { recordsInPerSec: number; recordsOutPerSec: number; processLatencyMs: number | null; commitLatencyMs: number | null; commitLatencyMaxMs: number | null } {
    const now = performance.now();
    const secs = Math.max((now - this.#since) / 1000, 1e-3);
    const commits = this.#commitMs;
    const result = {
      recordsInPerSec: this.recordsIn / secs,
      recordsOutPerSec: this.recordsOut / secs,
      processLatencyMs: this.#processCount === 0 ? null : Number(this.#processNs / BigInt(this.#processCount)) / 1e6,
      commitLatencyMs: commits.length === 0 ? null : commits.reduce((a, b) => a + b, 0) / commits.length,
      commitLatencyMaxMs: commits.length === 0 ? null : Math.max(...commits),
    };
    this.recordsIn = 0;
    this.recordsOut = 0;
    this.#processNs = 0n;
    this.#processCount = 0;
    this.#commitMs = [];
    this.#since = now;
    return result;
  }
}
