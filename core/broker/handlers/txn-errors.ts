// PRODUCER_FENCED (90) is newer than some request versions: older clients get
// INVALID_PRODUCER_EPOCH (47) instead, as Kafka's KafkaApis maps it (NOTES §2).
import { ErrorCode } from '../../protocol/errors.js';

/** First version of each API that may carry PRODUCER_FENCED. */
const FENCED_SINCE: Record<number, number> = { 22: 4, 24: 2, 25: 2, 26: 2, 28: 2 };

export function forVersion(apiKey: number, version: number, errorCode: number): number {
  if (errorCode === ErrorCode.PRODUCER_FENCED && version < (FENCED_SINCE[apiKey] ?? 0)) return ErrorCode.INVALID_PRODUCER_EPOCH;
  return errorCode;
}
