// SaslAuthenticate (36) v0-2: one token of the mechanism's exchange each way (KIP-152). v1 adds
// session_lifetime_ms (KIP-368); we answer 0, no re-authentication required. v2 is flexible.
// Outside an exchange Kafka answers ILLEGAL_SASL_STATE (KafkaApis.handleSaslAuthenticateRequest).
import { ErrorCode } from '../../protocol/errors.js';
import type { SaslAuthenticateRequest, SaslAuthenticateResponseInput } from '../../protocol/schema/generated/index.js';
import { defineHandler } from '../handler.js';

export const saslAuthenticate = defineHandler<SaslAuthenticateRequest, SaslAuthenticateResponseInput>({
  apiKey: 36,
  minVersion: 0,
  maxVersion: 2,
  handle(req, { sasl }) {
    if (!sasl || sasl.authenticated) {
      return {
        errorCode: ErrorCode.ILLEGAL_SASL_STATE,
        errorMessage: 'SaslAuthenticate request received after successful authentication',
        authBytes: Buffer.alloc(0),
      };
    }
    return sasl.authenticate(req.authBytes);
  },
});
