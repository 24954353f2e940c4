// Hands out producer ids, unique across restarts: ids are reserved in blocks and the end of the
// reserved block is persisted before any id from it is used (as Kafka's controller does).
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const BLOCK = 1000;

export class ProducerIdManager {
  private next: number;
  private reservedUntil: number;

  constructor(private dataDir: string | null) {
    const f = this.file;
    this.next = f && existsSync(f) ? Number(readFileSync(f, 'utf8')) : 1000;
    this.reservedUntil = this.next;
  }

  private get file(): string | null {
    return this.dataDir && join(this.dataDir, 'producer-id-block');
  }

  allocate(): number {
    if (this.next >= this.reservedUntil) {
      this.reservedUntil = this.next + BLOCK;
      const f = this.file;
      if (f) {
        writeFileSync(`${f}.tmp`, String(this.reservedUntil));
        renameSync(`${f}.tmp`, f);
      }
    }
    return this.next++;
  }
}
