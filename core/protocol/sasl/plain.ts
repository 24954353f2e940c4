// SASL/PLAIN (RFC 4616): one message, [authzid] NUL authcid NUL passwd, in UTF-8. The server's
// checks and messages are Kafka's (clients/.../plain/internals/PlainSaslServer.java).
import { SaslError } from './mechanisms.js';

export interface PlainCredentials {
  username: string;
  password: string;
  /** Authorization identity; Kafka accepts only none or the username itself. */
  authzid?: string;
}

export function plainMessage({ username, password, authzid = '' }: PlainCredentials): Buffer {
  return Buffer.from(`${authzid}\0${username}\0${password}`, 'utf8');
}

export function parsePlainMessage(message: Buffer): Required<PlainCredentials> {
  const tokens = message.toString('utf8').split('\0');
  if (tokens.length !== 3) {
    throw new SaslError(`Invalid SASL/PLAIN response: expected 3 tokens, got ${Math.min(tokens.length, 4)}`, true);
  }
  const [authzid, username, password] = tokens as [string, string, string];
  return { authzid, username, password };
}

/** One PLAIN exchange on the server side: checks the message against `checkPassword`. */
export function plainServer(checkPassword: (username: string, password: string) => boolean) {
  return {
    /** Returns the user name on success; throws SaslError with Kafka's message otherwise. */
    authenticate(message: Buffer): string {
      const { authzid, username, password } = parsePlainMessage(message);
      if (username === '') throw new SaslError('Authentication failed: username not specified', true);
      if (password === '') throw new SaslError('Authentication failed: password not specified', true);
      if (!checkPassword(username, password)) {
        throw new SaslError('Authentication failed: Invalid username or password', true);
      }
      if (authzid !== '' && authzid !== username) {
        throw new SaslError(
          'Authentication failed: Client requested an authorization id that is different from username',
          true,
        );
      }
      return username;
    },
  };
}
