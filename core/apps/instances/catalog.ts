// The built-in apps an operator can start from the console: name → supervisor module + what it is.
import { entryModulePath } from '../../entry-modules.js';

export interface BuiltInApp {
  name: string;
  description: string;
  /** Absolute path of the module exporting run(ctx), for Supervisor.start. */
  module: string;
  defaultTopics: { input: string; output: string };
}

export const BUILT_IN_APPS: readonly BuiltInApp[] = [
  {
    name: 'bank-ledger',
    description: 'transfers → per-account balances; one ledger record per transfer (the exactly-once showcase)',
    module: entryModulePath('app-bank-ledger'),
    defaultTopics: { input: 'transfers', output: 'ledger' },
  },
  {
    name: 'word-count',
    description: 'sentences → running count per word, through a repartition topic',
    module: entryModulePath('app-word-count'),
    defaultTopics: { input: 'sentences', output: 'word-counts' },
  },
  {
    name: 'passthrough',
    description: 'input → output unchanged (stateless); slow it down per record from the supervisor',
    module: entryModulePath('app-passthrough'),
    defaultTopics: { input: 'input', output: 'output' },
  },
];

export function builtInApp(name: string): BuiltInApp {
  const app = BUILT_IN_APPS.find((a) => a.name === name);
  if (app === undefined) throw new RangeError(`no built-in app '${name}' (have ${BUILT_IN_APPS.map((a) => a.name).join(', ')})`);
  return app;
}
