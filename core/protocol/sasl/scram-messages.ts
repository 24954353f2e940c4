// The four SCRAM messages (RFC 5802 section 7) as Kafka reads and writes them
// (clients/.../scram/internals/ScramMessages.java): only the GS2 header "n" (no channel
// binding), an optional authzid, extensions accepted and ignored. Parsers throw SaslError.
import { SaslError } from './mechanisms.js';

// Character classes of RFC 5802, as Kafka's patterns spell them.
const VALUE_SAFE = '[\\x01-\\x2b\\x2d-\\x3c\\x3e-\\x7f]+'; // no ',' and no '='
const VALUE = '[\\x01-\\x2b\\x2d-\\x7f]+'; // no ','
const PRINTABLE = '[\\x21-\\x2b\\x2d-\\x7e]+'; // printable, no ','
const SASLNAME = '(?:[\\x01-\\x2b\\x2d-\\x3c\\x3e-\\x7f]|=2C|=3D)+';
const BASE64 = '(?:[A-Za-z0-9/+]{4})*(?:[A-Za-z0-9/+]{3}=|[A-Za-z0-9/+]{2}==)?';
const EXTENSIONS = `(?:,[A-Za-z]+=${VALUE})*`;
const RESERVED = `(?:m=${VALUE},)?`;

const CLIENT_FIRST = new RegExp(
  `^n,(?:a=(?<authzid>${SASLNAME}))?,(?<bare>${RESERVED}n=(?<saslname>${SASLNAME}),r=(?<nonce>${PRINTABLE})${EXTENSIONS})$`,
);
const SERVER_FIRST = new RegExp(
  `^${RESERVED}r=(?<nonce>${PRINTABLE}),s=(?<salt>${BASE64}),i=(?<iterations>[0-9]+)${EXTENSIONS}$`,
);
const CLIENT_FINAL = new RegExp(
  `^(?<withoutProof>c=(?<channel>${BASE64}),r=(?<nonce>${PRINTABLE})${EXTENSIONS}),p=(?<proof>${BASE64})$`,
);
const SERVER_FINAL = new RegExp(`^(?:e=(?<error>${VALUE_SAFE})|v=(?<signature>${BASE64})${EXTENSIONS})$`);

/** The GS2 header of a client that neither supports nor wants channel binding. */
export const GS2_HEADER = 'n,,';

/** RFC 5802 saslname: '=' and ',' escaped as =3D and =2C. */
export function saslName(username: string): string {
  return username.replaceAll('=', '=3D').replaceAll(',', '=2C');
}

export function usernameFromSaslName(name: string): string {
  const unescaped = name.replaceAll('=2C', ',');
  if (unescaped.replaceAll('=3D', '').includes('=')) throw new SaslError(`Invalid username: ${name}`);
  return unescaped.replaceAll('=3D', '=');
}

function match(pattern: RegExp, message: Buffer, what: string): Record<string, string | undefined> {
  const text = message.toString('utf8');
  const m = pattern.exec(text);
  if (!m?.groups) throw new SaslError(`Invalid SCRAM ${what} message format: ${text}`);
  return m.groups;
}

export interface ClientFirstMessage {
  username: string;
  authzid: string;
  nonce: string;
  /** The message without its GS2 header: the first part of the AuthMessage. */
  bare: string;
}

export function clientFirstMessage(username: string, nonce: string): { message: Buffer; bare: string } {
  const bare = `n=${saslName(username)},r=${nonce}`;
  return { message: Buffer.from(GS2_HEADER + bare, 'utf8'), bare };
}

export function parseClientFirst(message: Buffer): ClientFirstMessage {
  const g = match(CLIENT_FIRST, message, 'client first');
  return {
    username: usernameFromSaslName(g.saslname!),
    authzid: g.authzid === undefined ? '' : usernameFromSaslName(g.authzid),
    nonce: g.nonce!,
    bare: g.bare!,
  };
}

export interface ServerFirstMessage {
  /** Client nonce followed by the server's. */
  nonce: string;
  salt: Buffer;
  iterations: number;
  text: string;
}

export function serverFirstMessage(nonce: string, salt: Buffer, iterations: number): ServerFirstMessage {
  return { nonce, salt, iterations, text: `r=${nonce},s=${salt.toString('base64')},i=${iterations}` };
}

export function parseServerFirst(message: Buffer): ServerFirstMessage {
  const g = match(SERVER_FIRST, message, 'server first');
  const iterations = Number(g.iterations);
  if (!Number.isSafeInteger(iterations) || iterations <= 0) {
    throw new SaslError(`Invalid SCRAM server first message format: invalid iterations ${g.iterations}`);
  }
  return { nonce: g.nonce!, salt: Buffer.from(g.salt!, 'base64'), iterations, text: message.toString('utf8') };
}

export interface ClientFinalMessage {
  nonce: string;
  proof: Buffer;
  /** "c=…,r=…": the last part of the AuthMessage. */
  withoutProof: string;
}

export function clientFinalWithoutProof(nonce: string): string {
  return `c=${Buffer.from(GS2_HEADER).toString('base64')},r=${nonce}`;
}

export function clientFinalMessage(withoutProof: string, proof: Buffer): Buffer {
  return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8');
}

export function parseClientFinal(message: Buffer): ClientFinalMessage {
  const g = match(CLIENT_FINAL, message, 'client final');
  return { nonce: g.nonce!, proof: Buffer.from(g.proof!, 'base64'), withoutProof: g.withoutProof! };
}

export type ServerFinalMessage = { error: string } | { signature: Buffer };

export function serverFinalMessage(signature: Buffer): Buffer {
  return Buffer.from(`v=${signature.toString('base64')}`, 'utf8');
}

export function parseServerFinal(message: Buffer): ServerFinalMessage {
  const g = match(SERVER_FINAL, message, 'server final');
  return g.error !== undefined ? { error: g.error } : { signature: Buffer.from(g.signature!, 'base64') };
}

/** RFC 5802 AuthMessage: client-first-bare "," server-first "," client-final-without-proof. */
export function authMessage(clientFirstBare: string, serverFirst: string, clientFinalWithoutProof: string): Buffer {
  return Buffer.from(`${clientFirstBare},${serverFirst},${clientFinalWithoutProof}`, 'utf8');
}
