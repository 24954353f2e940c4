// Import first, before any module that builds a schema: zod decides at schema construction
// whether it may compile parsers with `new Function`, which the console's Content-Security-Policy
// forbids. jitless skips even the probe (a strict CSP reports a caught `new Function` as a
// violation). The renderer's entry and the Electron preload both import this before the contract.
import { config } from 'zod';

config({ jitless: true });
