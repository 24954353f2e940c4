// The public surface of core/apps: the demo apps' topologies, their record shapes, the load
// generator that feeds them and the verifier that checks their output.
export { InputValueSchema, LedgerValueSchema, PassthroughValueSchema, lenientJsonSerde, parseJsonValue } from './records.js';
export type { InputValue, LedgerValue, PassthroughValue } from './records.js';
export { BALANCES_STORE, bankLedgerTopology } from './bank-ledger.js';
export type { BalanceRow, BankLedgerOptions } from './bank-ledger.js';
export { COUNTS_STORE, wordCountTopology, words } from './word-count.js';
export type { WordCountOptions } from './word-count.js';
export { passthroughTopology } from './passthrough.js';
export type { PassthroughOptions } from './passthrough.js';
export { LoadGenerator } from './load-generator.js';
export type { LoadGeneratorOptions, LoadGeneratorState, LoadGeneratorStats, LoadSendFailure, LoadTally } from './load-generator.js';
export { LOAD_KINDS, VOCABULARY, keyName } from './load-records.js';
export type { LoadKind } from './load-records.js';
export { Verifier } from './verifier.js';
export type { DrainOptions, VerifiedApp, VerifierOptions, VerifierSnapshot, VerifierState } from './verifier.js';
export type { DeliverySnapshot } from './delivery-counts.js';
export type { MoneySnapshot } from './money-check.js';
export { CommittedReader } from './committed-reader.js';
export type { CommittedReaderOptions, CommittedRecord } from './committed-reader.js';
export { ReadCommittedFilter, controlType } from './read-committed.js';
export type { ControlType, RawMessage } from './read-committed.js';
