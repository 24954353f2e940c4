// SASL for Kafka (KIP-43, KIP-84): PLAIN and SCRAM-SHA-256/512 as pure functions, one
// implementation for both sides. Clients use `plainMessage` and `scramClient`; a broker uses
// `saslServer` with a `SaslUserStore`.
import { SaslError, isScramMechanism, type SaslMechanism, type ScramMechanism } from './mechanisms.js';
import { plainServer } from './plain.js';
import type { ScramCredential } from './scram-keys.js';
import { scramServer } from './scram-server.js';

export * from './mechanisms.js';
export { plainMessage, parsePlainMessage, plainServer, type PlainCredentials } from './plain.js';
export { scramClient, type ScramClient } from './scram-client.js';
export { SaslMechanismName, saslClientSession, type SaslClientSession } from './client-session.js';
export { scramServer, type ScramServer, type ScramCredentialLookup } from './scram-server.js';
export { scramCredential, type ScramCredential } from './scram-keys.js';
export { saslName, usernameFromSaslName } from './scram-messages.js';
export { saslUserStore, type SaslUser } from './user-store.js';

/** Where a server finds its users: a password check for PLAIN, stored credentials for SCRAM. */
export interface SaslUserStore {
  checkPassword(username: string, password: string): boolean;
  scramCredential(mechanism: ScramMechanism, username: string): ScramCredential | undefined;
}

/** The server side of one exchange of any mechanism: feed it each client token in turn. */
export interface SaslServer {
  readonly mechanism: SaslMechanism;
  /** The token to send back; throws SaslError when authentication fails. */
  respond(clientToken: Buffer): Buffer;
  readonly complete: boolean;
  readonly username: string | null;
}

export function saslServer(mechanism: SaslMechanism, users: SaslUserStore): SaslServer {
  if (isScramMechanism(mechanism)) {
    const scram = scramServer(mechanism, (user) => users.scramCredential(mechanism, user));
    return {
      mechanism,
      respond: (token) => scram.respond(token),
      get complete() {
        return scram.complete;
      },
      get username() {
        return scram.username;
      },
    };
  }
  const plain = plainServer((user, password) => users.checkPassword(user, password));
  let username: string | null = null;
  return {
    mechanism,
    respond(token) {
      if (username !== null) throw new SaslError('Unexpected challenge in Sasl server state COMPLETE');
      username = plain.authenticate(token);
      return Buffer.alloc(0);
    },
    get complete() {
      return username !== null;
    },
    get username() {
      return username;
    },
  };
}
