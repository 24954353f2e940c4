// The SASL mechanisms Streamwatch speaks, as data. SCRAM's hash and iteration bounds are
// Kafka's (clients/.../scram/internals/ScramMechanism.java: 4096..16384 for both).

export const SCRAM_MECHANISMS = {
  'SCRAM-SHA-256': { hash: 'sha256', keyLength: 32, minIterations: 4096, maxIterations: 16384 },
  'SCRAM-SHA-512': { hash: 'sha512', keyLength: 64, minIterations: 4096, maxIterations: 16384 },
} as const;

export type ScramMechanism = keyof typeof SCRAM_MECHANISMS;
export type SaslMechanism = 'PLAIN' | ScramMechanism;

/** Every mechanism, in the order a broker lists them when none are configured. */
export const SASL_MECHANISMS: readonly SaslMechanism[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];

export function isSaslMechanism(name: string): name is SaslMechanism {
  return (SASL_MECHANISMS as readonly string[]).includes(name);
}

export function isScramMechanism(name: string): name is ScramMechanism {
  return Object.hasOwn(SCRAM_MECHANISMS, name);
}

/**
 * A failed exchange. Kafka splits failures in two (SaslServerAuthenticator.handleSaslToken):
 * a SaslAuthenticationException's message is sent to the client (`toClient`), a SaslException's
 * stays in the broker's log and the client gets a generic "invalid credentials" message.
 */
export class SaslError extends Error {
  constructor(
    message: string,
    readonly toClient = false,
  ) {
    super(message);
    this.name = 'SaslError';
  }
}
