/** Test app: keeps every buffer it allocates (a runaway instance); never stops on its own. */
import type { InstanceContext } from '../app.js';

export async function run(ctx: InstanceContext<{ chunkKb?: number }>): Promise<void> {
  const kept: unknown[] = [];
  const chunk = (ctx.config?.chunkKb ?? 256) * 1024;
  for (;;) {
    // Heap objects (not ArrayBuffers, which live outside the V8 heap limit).
    kept.push(Array.from({ length: chunk / 8 }, (_, i) => i + kept.length));
    await new Promise((resolve) => setImmediate(resolve));
  }
}
