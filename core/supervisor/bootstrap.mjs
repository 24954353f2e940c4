// Worker bootstrap: registers tsx's ESM loader inside the worker so that the TypeScript
// worker entry and TypeScript app modules load, whether the parent runs under vitest,
// `npx tsx` or plain node. Harmless if tsx is already active through execArgv.
import { register } from 'tsx/esm/api';

register();
await import('./worker-entry.ts');
