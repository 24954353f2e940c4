// SASL on a new connection, as the Java client's SaslClientAuthenticator does it: SaslHandshake
// v1 names the mechanism (the broker lists what it enables when it refuses), then the mechanism's
// messages go back and forth in SaslAuthenticate requests until it is done. The mechanisms
// themselves (PLAIN, SCRAM) live in core/protocol/sasl, shared with the broker.
import { ApiKey } from '../protocol/apis.js';
import { ErrorCode, errorName } from '../protocol/errors.js';
import { SaslMechanismName, saslClientSession, type SaslClientSession } from '../protocol/sasl/index.js';
import type { SaslAuthenticateResponse, SaslHandshakeResponse } from '../protocol/schema/generated/index.js';
import type { BrokerConnection } from './connection.js';
import { KafkaConnectionError } from './errors.js';

/** The shape the console's profiles and kafkajs use. */
export interface SaslSettings {
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  username: string;
  password: string;
}

export function saslAuthenticator(settings: SaslSettings): (conn: BrokerConnection) => Promise<void> {
  const mechanism = SaslMechanismName[settings.mechanism];
  return async (conn) => {
    const fail = (why: string) => new KafkaConnectionError(`SASL ${mechanism} authentication to ${conn.address} failed: ${why}`, 'AUTH', conn.address);
    const handshake = await conn.request<SaslHandshakeResponse>(ApiKey.SaslHandshake, { mechanism }, { min: 1 });
    if (handshake.errorCode === ErrorCode.UNSUPPORTED_SASL_MECHANISM) {
      throw fail(`the broker does not enable ${mechanism} (it enables ${handshake.mechanisms.join(', ') || 'none'})`);
    }
    if (handshake.errorCode !== 0) throw fail(errorName(handshake.errorCode));
    const session: SaslClientSession = saslClientSession(mechanism, settings.username, settings.password);
    let message: Buffer | null = session.first();
    while (message !== null) {
      const res = await conn.request<SaslAuthenticateResponse>(ApiKey.SaslAuthenticate, { authBytes: message });
      if (res.errorCode !== 0) throw fail(res.errorMessage ?? errorName(res.errorCode));
      try {
        message = session.next(res.authBytes);
      } catch (e) {
        throw fail((e as Error).message);
      }
    }
  };
}
