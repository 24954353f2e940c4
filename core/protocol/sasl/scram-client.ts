// The client side of one SCRAM exchange, as Kafka's ScramSaslClient runs it:
//   const c = scramClient('SCRAM-SHA-512', user, password);
//   send(c.first) → serverFirst;  send(c.final(serverFirst)) → serverFinal;  c.verify(serverFinal)
// Each step throws SaslError when the server's message is malformed or not to be trusted.
import { SCRAM_MECHANISMS, SaslError, type ScramMechanism } from './mechanisms.js';
import {
  authMessage,
  clientFinalMessage,
  clientFinalWithoutProof,
  clientFirstMessage,
  parseServerFinal,
  parseServerFirst,
} from './scram-messages.js';
import { clientKey, constantTimeEqual, hash, hmac, randomNonce, saltedPassword, serverKey, xor } from './scram-keys.js';

export interface ScramClient {
  readonly mechanism: ScramMechanism;
  /** client-first-message, to send first. */
  readonly first: Buffer;
  /** client-final-message, the answer to the server-first-message. */
  final(serverFirst: Buffer): Buffer;
  /** Checks the server's signature in server-final-message; throws SaslError if it is wrong. */
  verify(serverFinal: Buffer): void;
}

export function scramClient(
  mechanism: ScramMechanism,
  username: string,
  password: string,
  { nonce = randomNonce() }: { nonce?: string } = {},
): ScramClient {
  const first = clientFirstMessage(username, nonce);
  let expectedSignature: Buffer | null = null;
  return {
    mechanism,
    first: first.message,
    final(serverFirstBytes) {
      if (expectedSignature) throw new SaslError('SCRAM client-final already sent');
      const serverFirst = parseServerFirst(serverFirstBytes);
      if (!serverFirst.nonce.startsWith(nonce)) {
        throw new SaslError('Invalid server nonce: does not start with client nonce');
      }
      const { minIterations } = SCRAM_MECHANISMS[mechanism];
      if (serverFirst.iterations < minIterations) {
        throw new SaslError(
          `Requested iterations ${serverFirst.iterations} is less than the minimum ${minIterations} for ${mechanism}`,
        );
      }
      const salted = saltedPassword(mechanism, password, serverFirst.salt, serverFirst.iterations);
      const withoutProof = clientFinalWithoutProof(serverFirst.nonce);
      const auth = authMessage(first.bare, serverFirst.text, withoutProof);
      const key = clientKey(mechanism, salted);
      const proof = xor(key, hmac(mechanism, hash(mechanism, key), auth));
      expectedSignature = hmac(mechanism, serverKey(mechanism, salted), auth);
      return clientFinalMessage(withoutProof, proof);
    },
    verify(serverFinalBytes) {
      if (!expectedSignature) throw new SaslError('SCRAM server-final before client-final');
      const serverFinal = parseServerFinal(serverFinalBytes);
      if ('error' in serverFinal) {
        throw new SaslError(`Sasl authentication using ${mechanism} failed with error: ${serverFinal.error}`);
      }
      if (!constantTimeEqual(serverFinal.signature, expectedSignature)) {
        throw new SaslError('Invalid server signature in server final message');
      }
    },
  };
}
