// What the load generator writes: key names, transfer amounts and sentences.

export const LOAD_KINDS = ['transfers', 'sequence', 'sentences'] as const;
/**
 * transfers: JSON InputValue with an amount (bank-ledger); sequence: JSON InputValue without one
 * (passthrough); sentences: a plain UTF-8 sentence, no gen or seq (word-count).
 */
export type LoadKind = (typeof LOAD_KINDS)[number];

/** 'acct-000', 'acct-001', …: zero-padded (at least 3 digits) so that names sort by index. */
export function keyName(index: number, keys: number): string {
  const width = Math.max(3, String(keys - 1).length);
  return `acct-${String(index).padStart(width, '0')}`;
}

/** An integer in [-100, 100] other than 0: every transfer moves money. */
export function transferAmount(random: () => number): number {
  const n = Math.floor(random() * 200); // 0..199
  return n < 100 ? n - 100 : n - 99;
}

/** Small on purpose: word counts grow fast and stay readable in the console. */
export const VOCABULARY = [
  'stream', 'table', 'topic', 'record', 'offset', 'commit', 'abort', 'state',
  'store', 'task', 'kafka', 'broker', 'lag', 'group', 'window', 'join',
] as const;

/** Three to eight words from VOCABULARY. */
export function sentence(random: () => number): string {
  const length = 3 + Math.floor(random() * 6);
  return Array.from({ length }, () => VOCABULARY[Math.floor(random() * VOCABULARY.length)]).join(' ');
}
