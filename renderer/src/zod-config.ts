// Must be the first import of main.ts: zod decides at schema construction whether it may compile
// parsers with `new Function`, which the console's Content-Security-Policy forbids. jitless skips
// even the probe (a strict CSP reports a caught `new Function` as a violation).
import { config } from 'zod';

config({ jitless: true });
