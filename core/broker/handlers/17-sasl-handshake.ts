// SaslHandshake (17) v0-1. v1 (KIP-152) means the tokens follow in SaslAuthenticate requests;
// v0 means bare tokens, and Kafka 4.0 still serves it for kafka-python (KIP-896 left it in,
// KAFKA-18270). The connection's SaslAuthenticator decides; on a plaintext listener, or once
// authenticated, Kafka answers ILLEGAL_SASL_STATE (KafkaApis.handleSaslHandshakeRequest).
import { ErrorCode } from '../../protocol/errors.js';
import type { SaslHandshakeRequest, SaslHandshakeResponseInput } from '../../protocol/schema/generated/index.js';
import { defineHandler } from '../handler.js';

export const saslHandshake = defineHandler<SaslHandshakeRequest, SaslHandshakeResponseInput>({
  apiKey: 17,
  minVersion: 0,
  maxVersion: 1,
  handle(req, { sasl, header }) {
    if (!sasl || sasl.authenticated) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] };
    return sasl.handshake(req.mechanism, header.apiVersion);
  },
});
