// The client side of any mechanism as one loop: send `first()`, then feed each server token
// to `next()` and send what it returns, until it returns null (done, server verified).
import type { SaslMechanism } from './mechanisms.js';
import { plainMessage } from './plain.js';
import { scramClient } from './scram-client.js';

/** kafkajs's lower-case mechanism names (as the console's profiles spell them) → SASL names. */
export const SaslMechanismName = {
  plain: 'PLAIN',
  'scram-sha-256': 'SCRAM-SHA-256',
  'scram-sha-512': 'SCRAM-SHA-512',
} as const satisfies Record<string, SaslMechanism>;

export interface SaslClientSession {
  readonly mechanism: SaslMechanism;
  first(): Buffer;
  /** The next message for the server, or null when the exchange is complete. Throws SaslError. */
  next(serverToken: Buffer): Buffer | null;
}

export function saslClientSession(mechanism: SaslMechanism, username: string, password: string): SaslClientSession {
  if (mechanism === 'PLAIN') {
    return { mechanism, first: () => plainMessage({ username, password }), next: () => null };
  }
  const scram = scramClient(mechanism, username, password);
  let step: 'final' | 'verify' | 'done' = 'final';
  return {
    mechanism,
    first: () => scram.first,
    next(serverToken) {
      if (step === 'final') {
        step = 'verify';
        return scram.final(serverToken);
      }
      if (step === 'verify') scram.verify(serverToken);
      step = 'done';
      return null;
    },
  };
}
