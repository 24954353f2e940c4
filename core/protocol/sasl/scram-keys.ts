// SCRAM's key derivation (RFC 5802 section 3), node:crypto only. Hi() is PBKDF2 with the
// mechanism's HMAC and an output as long as one hash. Passwords are UTF-8 without SASLprep,
// as Kafka's ScramFormatter.normalize does.
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { SCRAM_MECHANISMS, type ScramMechanism } from './mechanisms.js';

/** What a broker stores for a user (Kafka's ScramCredential): never the password itself. */
export interface ScramCredential {
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
  iterations: number;
}

export function saltedPassword(mechanism: ScramMechanism, password: string, salt: Buffer, iterations: number): Buffer {
  const { hash, keyLength } = SCRAM_MECHANISMS[mechanism];
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, keyLength, hash);
}

export function hmac(mechanism: ScramMechanism, key: Buffer, data: Buffer | string): Buffer {
  return createHmac(SCRAM_MECHANISMS[mechanism].hash, key).update(data).digest();
}

export function hash(mechanism: ScramMechanism, data: Buffer): Buffer {
  return createHash(SCRAM_MECHANISMS[mechanism].hash).update(data).digest();
}

export function xor(a: Buffer, b: Buffer): Buffer {
  if (a.length !== b.length) throw new RangeError(`xor of ${a.length} and ${b.length} bytes`);
  const out = Buffer.allocUnsafe(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

export function clientKey(mechanism: ScramMechanism, salted: Buffer): Buffer {
  return hmac(mechanism, salted, 'Client Key');
}

export function serverKey(mechanism: ScramMechanism, salted: Buffer): Buffer {
  return hmac(mechanism, salted, 'Server Key');
}

/**
 * The credential `kafka-configs --alter --add-config 'SCRAM-SHA-256=[password=…]'` stores: a
 * random salt, and the minimum iterations unless told otherwise.
 */
export function scramCredential(
  mechanism: ScramMechanism,
  password: string,
  {
    salt = randomBytes(24),
    iterations = SCRAM_MECHANISMS[mechanism].minIterations,
  }: { salt?: Buffer; iterations?: number } = {},
): ScramCredential {
  const salted = saltedPassword(mechanism, password, salt, iterations);
  return {
    salt,
    storedKey: hash(mechanism, clientKey(mechanism, salted)),
    serverKey: serverKey(mechanism, salted),
    iterations,
  };
}

export function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A nonce of printable characters without ',' (RFC 5802's "printable"). */
export function randomNonce(): string {
  return randomBytes(24).toString('base64url');
}
