// Error codes newer than some request versions: older clients get the code they know, as Kafka
// maps them (NOTES §2).
import { ErrorCode } from '../../protocol/errors.js';

/**
 * First version of each API that may carry PRODUCER_FENCED (90); older ones get
 * INVALID_PRODUCER_EPOCH (47), as KafkaApis maps it. TxnOffsetCommit is not here: its transaction
 * verification already answers 47 at every version (AddPartitionsToTxnManager).
 */
const FENCED_SINCE: Record<number, number> = { 22: 4, 24: 2, 25: 2, 26: 2 };

/**
 * First version of each API that may carry TRANSACTION_ABORTABLE (120, KIP-890); older ones get
 * INVALID_TXN_STATE (48): AddPartitionsToTxnManager's DEFAULT_ERROR for TxnOffsetCommit v0-3
 * (txnOffsetCommitRequestVersionToTransactionSupportedOperation).
 */
const ABORTABLE_SINCE: Record<number, number> = { 28: 4 };

export function forVersion(apiKey: number, version: number, errorCode: number): number {
  if (errorCode === ErrorCode.PRODUCER_FENCED && version < (FENCED_SINCE[apiKey] ?? 0)) return ErrorCode.INVALID_PRODUCER_EPOCH;
  if (errorCode === ErrorCode.TRANSACTION_ABORTABLE && version < (ABORTABLE_SINCE[apiKey] ?? 0)) return ErrorCode.INVALID_TXN_STATE;
  return errorCode;
}
