// The authentication state of one connection on a SASL_PLAINTEXT listener, after Kafka's
// SaslServerAuthenticator (clients/.../security/authenticator/SaslServerAuthenticator.java):
// until it completes only ApiVersions, SaslHandshake and SaslAuthenticate may come, in that
// order; anything else fails authentication. SaslHandshake v0 (kept in Kafka 4.0 for
// kafka-python, KAFKA-18270) is followed by bare size-prefixed tokens without Kafka headers.
import { ApiKey, apiName } from '../protocol/apis.js';
import { ErrorCode } from '../protocol/errors.js';
import { SaslError, isSaslMechanism, saslServer, type SaslMechanism, type SaslServer, type SaslUserStore } from '../protocol/sasl/index.js';
import type {
  SaslAuthenticateResponseInput,
  SaslHandshakeResponseInput,
} from '../protocol/schema/generated/index.js';

/** What a SASL listener enables and whom it knows (Kafka's sasl.enabled.mechanisms and credentials). */
export interface SaslConfig {
  readonly mechanisms: readonly SaslMechanism[];
  readonly users: SaslUserStore;
}

/** Kafka's SaslState, less GSSAPI's INITIAL_REQUEST and re-authentication. */
type SaslState = 'handshake-or-versions' | 'handshake' | 'authenticate' | 'complete' | 'failed';

/** The requests each state lets through; the phrase names the phase in Kafka's refusal. */
const ACCEPTED: Record<Exclude<SaslState, 'complete'>, { apis: readonly number[]; phase: string }> = {
  'handshake-or-versions': { apis: [ApiKey.ApiVersions, ApiKey.SaslHandshake], phase: 'SASL handshake' },
  handshake: { apis: [ApiKey.SaslHandshake], phase: 'SASL handshake' },
  authenticate: { apis: [ApiKey.SaslAuthenticate], phase: 'SASL authentication' },
  failed: { apis: [], phase: 'SASL authentication' },
};

/** Kafka's ApiKeys enum name (METADATA, SASL_HANDSHAKE), as its messages print it. */
function kafkaApiKeyName(apiKey: number): string {
  return apiName(apiKey)
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase();
}

export class SaslAuthenticator {
  private state: SaslState = 'handshake-or-versions';
  private server: SaslServer | null = null;
  /** After SaslHandshake v0 the tokens come as bare frames, and are answered the same way. */
  rawTokens = false;
  /** Why authentication failed, for the broker's log; the connection closes once it is set. */
  failure: string | null = null;

  constructor(private readonly config: SaslConfig) {}

  get authenticated(): boolean {
    return this.state === 'complete';
  }

  get username(): string | null {
    return this.authenticated ? this.server!.username : null;
  }

  /**
   * Whether a request may come now. Returns null to let it through, or why it may not: then
   * `authentication` tells whether Kafka treats it as a failed authentication (delayed close)
   * or as a broken client (closed at once).
   */
  admit(apiKey: number): { reason: string; authentication: boolean } | null {
    if (this.state === 'complete') return null;
    if (this.state === 'handshake' && apiKey === ApiKey.ApiVersions) {
      return {
        reason: 'Unexpected ApiVersions request received during SASL authentication state HANDSHAKE_REQUEST',
        authentication: false,
      };
    }
    const { apis, phase } = ACCEPTED[this.state];
    if (!apis.includes(apiKey)) {
      return this.fail(`Unexpected Kafka request of type ${kafkaApiKeyName(apiKey)} during ${phase}.`);
    }
    if (apiKey === ApiKey.ApiVersions) this.state = 'handshake';
    return null;
  }

  private fail(reason: string): { reason: string; authentication: true } {
    this.state = 'failed';
    this.failure = reason;
    return { reason, authentication: true };
  }

  /** SaslHandshake: the mechanism must be enabled; the answer lists the enabled ones either way. */
  handshake(mechanism: string, version: number): SaslHandshakeResponseInput {
    const mechanisms = [...this.config.mechanisms];
    if (!isSaslMechanism(mechanism) || !mechanisms.includes(mechanism)) {
      this.fail(`Unsupported SASL mechanism ${mechanism}`);
      return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms };
    }
    this.server = saslServer(mechanism, this.config.users);
    this.rawTokens = version === 0;
    this.state = 'authenticate';
    return { errorCode: ErrorCode.NONE, mechanisms };
  }

  /**
   * One token of the exchange. A failure's message reaches the client only when the mechanism
   * says so (PLAIN's do); otherwise Kafka's generic one does (SaslServerAuthenticator.handleSaslToken).
   */
  authenticate(token: Buffer): SaslAuthenticateResponseInput {
    const server = this.server!;
    try {
      const authBytes = server.respond(token);
      if (server.complete) this.state = 'complete';
      // Session lifetime 0: no connections.max.reauth.ms, so the client need not re-authenticate.
      return { errorCode: ErrorCode.NONE, errorMessage: null, authBytes, sessionLifetimeMs: 0 };
    } catch (e) {
      if (!(e instanceof SaslError)) throw e;
      const told = e.toClient
        ? e.message
        : `Authentication failed during authentication due to invalid credentials with SASL mechanism ${server.mechanism}`;
      this.fail(e.toClient ? told : `${told}: ${e.message}`);
      return { errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: told, authBytes: Buffer.alloc(0) };
    }
  }

  /** A bare token after SaslHandshake v0: the answer, or null when authentication failed (no answer then). */
  rawToken(token: Buffer): Buffer | null {
    const res = this.authenticate(token);
    if (res.errorCode !== ErrorCode.NONE) return null;
    if (this.authenticated) this.rawTokens = false;
    return res.authBytes;
  }
}
