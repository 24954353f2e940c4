// The server side of one SCRAM exchange, as Kafka's ScramSaslServer runs it: client-first →
// server-first (unknown user fails here), client-final → server-final (nonce and proof checked).
// Failures are SaslErrors with Kafka's messages; only the authzid one is meant for the client.
import { SCRAM_MECHANISMS, SaslError, type ScramMechanism } from './mechanisms.js';
import {
  authMessage,
  parseClientFinal,
  parseClientFirst,
  serverFinalMessage,
  serverFirstMessage,
  type ServerFirstMessage,
} from './scram-messages.js';
import { constantTimeEqual, hash, hmac, randomNonce, xor, type ScramCredential } from './scram-keys.js';

export type ScramCredentialLookup = (username: string) => ScramCredential | undefined;

export interface ScramServer {
  /** Answers the client's next message: server-first, then server-final. */
  respond(clientMessage: Buffer): Buffer;
  readonly complete: boolean;
  /** The authenticated user once complete. */
  readonly username: string | null;
}

export function scramServer(
  mechanism: ScramMechanism,
  lookup: ScramCredentialLookup,
  { nonce: serverNonce = randomNonce() }: { nonce?: string } = {},
): ScramServer {
  let state: 'first' | 'final' | 'complete' | 'failed' = 'first';
  let username: string | null = null;
  let pending: { user: string; credential: ScramCredential; clientFirstBare: string; serverFirst: ServerFirstMessage } | null =
    null;

  function onClientFirst(message: Buffer): Buffer {
    const clientFirst = parseClientFirst(message);
    const credential = lookup(clientFirst.username);
    if (!credential) throw new SaslError('Authentication failed: Invalid user credentials');
    if (clientFirst.authzid !== '' && clientFirst.authzid !== clientFirst.username) {
      throw new SaslError(
        'Authentication failed: Client requested an authorization id that is different from username',
        true,
      );
    }
    const { minIterations } = SCRAM_MECHANISMS[mechanism];
    if (credential.iterations < minIterations) {
      throw new SaslError(`Iterations ${credential.iterations} is less than the minimum ${minIterations} for ${mechanism}`);
    }
    const serverFirst = serverFirstMessage(clientFirst.nonce + serverNonce, credential.salt, credential.iterations);
    pending = { user: clientFirst.username, credential, clientFirstBare: clientFirst.bare, serverFirst };
    return Buffer.from(serverFirst.text, 'utf8');
  }

  function onClientFinal(message: Buffer): Buffer {
    const { user, credential, clientFirstBare, serverFirst } = pending!;
    const clientFinal = parseClientFinal(message);
    // Kafka only checks that the nonce ends with the combined one (ScramSaslServer), and must:
    // librdkafka sends its own nonce again in front of the combined one.
    if (!clientFinal.nonce.endsWith(serverFirst.nonce)) throw new SaslError('Invalid client nonce in the final client message.');
    const auth = authMessage(clientFirstBare, serverFirst.text, clientFinal.withoutProof);
    const clientSignature = hmac(mechanism, credential.storedKey, auth);
    if (clientFinal.proof.length !== clientSignature.length) throw new SaslError('Invalid client credentials');
    const computedStoredKey = hash(mechanism, xor(clientSignature, clientFinal.proof));
    if (!constantTimeEqual(computedStoredKey, credential.storedKey)) throw new SaslError('Invalid client credentials');
    username = user;
    return serverFinalMessage(hmac(mechanism, credential.serverKey, auth));
  }

  return {
    respond(message) {
      try {
        switch (state) {
          case 'first': {
            const out = onClientFirst(message);
            state = 'final';
            return out;
          }
          case 'final': {
            const out = onClientFinal(message);
            state = 'complete';
            pending = null;
            return out;
          }
          default:
            throw new SaslError(`Unexpected challenge in Sasl server state ${state.toUpperCase()}`);
        }
      } catch (e) {
        state = 'failed';
        pending = null;
        throw e;
      }
    },
    get complete() {
      return state === 'complete';
    },
    get username() {
      return username;
    },
  };
}
