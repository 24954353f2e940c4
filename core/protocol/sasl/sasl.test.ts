import { describe, expect, it } from 'vitest';
import {
  SaslError,
  SaslMechanismName,
  saslClientSession,
  parsePlainMessage,
  plainMessage,
  saslName,
  saslServer,
  saslUserStore,
  scramClient,
  scramCredential,
  scramServer,
  usernameFromSaslName,
  type ScramCredential,
} from './index.js';
import { clientKey, hash, hmac, saltedPassword, xor } from './scram-keys.js';
import { authMessage, clientFinalMessage, parseServerFirst } from './scram-messages.js';

// RFC 7677 section 3: SCRAM-SHA-256, user "user", password "pencil".
const RFC7677 = {
  clientNonce: 'rOprNGfwEbeRWgbNEkqO',
  serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  salt: Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'),
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal:
    'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};
const b = (s: string) => Buffer.from(s, 'utf8');

describe('SCRAM-SHA-256 against the RFC 7677 test vector', () => {
  it('the client produces the RFC messages and accepts the server signature', () => {
    const c = scramClient('SCRAM-SHA-256', 'user', 'pencil', { nonce: RFC7677.clientNonce });
    expect(c.first.toString()).toBe(RFC7677.clientFirst);
    expect(c.final(b(RFC7677.serverFirst)).toString()).toBe(RFC7677.clientFinal);
    expect(() => c.verify(b(RFC7677.serverFinal))).not.toThrow();
  });

  it('the server produces the RFC messages from a stored credential', () => {
    const credential = scramCredential('SCRAM-SHA-256', 'pencil', { salt: RFC7677.salt, iterations: 4096 });
    const s = scramServer('SCRAM-SHA-256', (u) => (u === 'user' ? credential : undefined), {
      nonce: RFC7677.serverNonce,
    });
    expect(s.respond(b(RFC7677.clientFirst)).toString()).toBe(RFC7677.serverFirst);
    expect(s.complete).toBe(false);
    expect(s.respond(b(RFC7677.clientFinal)).toString()).toBe(RFC7677.serverFinal);
    expect(s.complete).toBe(true);
    expect(s.username).toBe('user');
  });

  it('the client rejects a forged server signature', () => {
    const c = scramClient('SCRAM-SHA-256', 'user', 'pencil', { nonce: RFC7677.clientNonce });
    c.final(b(RFC7677.serverFirst));
    const forged = 'v=' + Buffer.alloc(32, 7).toString('base64');
    expect(() => c.verify(b(forged))).toThrow('Invalid server signature in server final message');
    expect(() => c.verify(b('e=invalid-proof'))).toThrow('failed with error: invalid-proof');
  });

  it('the client rejects a server nonce that does not extend its own, and too few iterations', () => {
    const c = scramClient('SCRAM-SHA-256', 'user', 'pencil', { nonce: RFC7677.clientNonce });
    expect(() => c.final(b('r=someoneelse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'))).toThrow('does not start with client nonce');
    const c2 = scramClient('SCRAM-SHA-256', 'user', 'pencil', { nonce: RFC7677.clientNonce });
    expect(() => c2.final(b(`r=${RFC7677.clientNonce}x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4095`))).toThrow(
      'Requested iterations 4095 is less than the minimum 4096',
    );
  });
});

describe('SCRAM round trips', () => {
  const users = new Map<string, ScramCredential>();
  for (const [user, password] of [
    ['alice', 'wonderland'],
    ['a=b,c', 'päss wörd'],
  ] as const) {
    users.set(user, scramCredential('SCRAM-SHA-512', password));
  }
  const lookup = (u: string) => users.get(u);

  it.each([
    ['alice', 'wonderland'],
    ['a=b,c', 'päss wörd'],
  ])('SCRAM-SHA-512 authenticates %s', (user, password) => {
    const c = scramClient('SCRAM-SHA-512', user, password);
    const s = scramServer('SCRAM-SHA-512', lookup);
    const serverFinal = s.respond(c.final(s.respond(c.first)));
    c.verify(serverFinal);
    expect(s.complete).toBe(true);
    expect(s.username).toBe(user);
    // The proof and signature are SHA-512 sized.
    expect(Buffer.from(serverFinal.toString().slice(2), 'base64')).toHaveLength(64);
  });

  it('rejects a wrong password (bad proof), not telling the client why', () => {
    const c = scramClient('SCRAM-SHA-512', 'alice', 'not-it');
    const s = scramServer('SCRAM-SHA-512', lookup);
    const clientFinal = c.final(s.respond(c.first));
    const err = catchSasl(() => s.respond(clientFinal));
    expect(err.message).toBe('Invalid client credentials');
    expect(err.toClient).toBe(false);
    expect(s.complete).toBe(false);
  });

  it('rejects an unknown user at the first message', () => {
    const s = scramServer('SCRAM-SHA-512', lookup);
    const err = catchSasl(() => s.respond(scramClient('SCRAM-SHA-512', 'mallory', 'x').first));
    expect(err.message).toBe('Authentication failed: Invalid user credentials');
    expect(err.toClient).toBe(false);
  });

  it('rejects a client-final whose nonce is not the combined one', () => {
    const c = scramClient('SCRAM-SHA-512', 'alice', 'wonderland');
    const s = scramServer('SCRAM-SHA-512', lookup);
    const serverFirst = s.respond(c.first).toString();
    const clientFinal = c.final(b(serverFirst)).toString();
    const nonce = /r=([^,]+)/.exec(serverFirst)![1]!;
    const tampered = clientFinal.replace(`r=${nonce}`, `r=${nonce.slice(0, -1)}X`);
    expect(() => s.respond(b(tampered))).toThrow('Invalid client nonce in the final client message.');
  });

  it('accepts a client-final nonce that only ends with the combined one, as librdkafka sends it', () => {
    const s = scramServer('SCRAM-SHA-512', lookup, { nonce: 'srv' });
    const serverFirst = s.respond(Buffer.from('n,,n=alice,r=cli')).toString();
    expect(serverFirst).toMatch(/^r=clisrv,/);
    // librdkafka: r=<client nonce><combined nonce>, its proof taken over exactly that message.
    const { salt, iterations } = parseServerFirst(Buffer.from(serverFirst));
    const withoutProof = 'c=biws,r=cliclisrv';
    const auth = authMessage('n=alice,r=cli', serverFirst, withoutProof);
    const key = clientKey('SCRAM-SHA-512', saltedPassword('SCRAM-SHA-512', 'wonderland', salt, iterations));
    const proof = xor(key, hmac('SCRAM-SHA-512', hash('SCRAM-SHA-512', key), auth));
    s.respond(clientFinalMessage(withoutProof, proof));
    expect(s.username).toBe('alice');
  });

  it('rejects a proof made with the other hash (SHA-256 client, SHA-512 server)', () => {
    const s = scramServer('SCRAM-SHA-512', lookup);
    const c = scramClient('SCRAM-SHA-256', 'alice', 'wonderland');
    expect(() => s.respond(c.final(s.respond(c.first)))).toThrow('Invalid client credentials');
  });

  it('rejects malformed messages and anything after completion', () => {
    expect(() => scramServer('SCRAM-SHA-512', lookup).respond(b('y,,n=alice,r=abc'))).toThrow(
      'Invalid SCRAM client first message format',
    );
    const c = scramClient('SCRAM-SHA-512', 'alice', 'wonderland');
    const s = scramServer('SCRAM-SHA-512', lookup);
    s.respond(c.final(s.respond(c.first)));
    expect(() => s.respond(c.first)).toThrow('Unexpected challenge in Sasl server state COMPLETE');
  });

  it('refuses stored credentials below Kafka\'s 4096 iterations', () => {
    const weak = scramCredential('SCRAM-SHA-256', 'pw', { iterations: 1000 });
    const s = scramServer('SCRAM-SHA-256', () => weak);
    expect(() => s.respond(scramClient('SCRAM-SHA-256', 'u', 'pw').first)).toThrow(
      'Iterations 1000 is less than the minimum 4096 for SCRAM-SHA-256',
    );
  });
});

describe('saslname escaping', () => {
  it('escapes = and , and reads them back', () => {
    expect(saslName('a=b,c')).toBe('a=3Db=2Cc');
    expect(usernameFromSaslName('a=3Db=2Cc')).toBe('a=b,c');
    expect(() => usernameFromSaslName('a=4Fb')).toThrow('Invalid username');
  });
});

describe('PLAIN', () => {
  it('builds and parses RFC 4616 messages', () => {
    expect(plainMessage({ username: 'tim', password: 'tanstaaftanstaaf' })).toEqual(b('\0tim\0tanstaaftanstaaf'));
    expect(parsePlainMessage(b('Ursel\0Kurt\0xipj3plmq'))).toEqual({
      authzid: 'Ursel',
      username: 'Kurt',
      password: 'xipj3plmq',
    });
    expect(() => parsePlainMessage(b('only\0two'))).toThrow('expected 3 tokens, got 2');
  });
});

describe('saslServer over a user store', () => {
  const store = saslUserStore([{ username: 'alice', password: 'secret' }]);

  it('PLAIN accepts the right password and names the failure for a wrong one', () => {
    const ok = saslServer('PLAIN', store);
    expect(ok.respond(plainMessage({ username: 'alice', password: 'secret' }))).toHaveLength(0);
    expect(ok.complete).toBe(true);
    expect(ok.username).toBe('alice');
    for (const [username, password] of [
      ['alice', 'wrong'],
      ['bob', 'secret'],
    ]) {
      const err = catchSasl(() => saslServer('PLAIN', store).respond(plainMessage({ username: username!, password: password! })));
      expect(err.message).toBe('Authentication failed: Invalid username or password');
      expect(err.toClient).toBe(true);
    }
    const err = catchSasl(() =>
      saslServer('PLAIN', store).respond(plainMessage({ username: 'alice', password: 'secret', authzid: 'root' })),
    );
    expect(err.message).toContain('authorization id that is different from username');
  });

  it.each(['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const)('%s uses credentials derived at 4096 iterations', (mechanism) => {
    const s = saslServer(mechanism, store);
    const c = scramClient(mechanism, 'alice', 'secret');
    const serverFirst = s.respond(c.first);
    expect(serverFirst.toString()).toMatch(/,i=4096$/);
    c.verify(s.respond(c.final(serverFirst)));
    expect(s.username).toBe('alice');
  });
});

function catchSasl(fn: () => unknown): SaslError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SaslError) return e;
    throw e;
  }
  throw new Error('expected a SaslError');
}

describe('saslClientSession against saslServer', () => {
  const store = saslUserStore([{ username: 'alice', password: 'secret' }]);

  it.each(Object.values(SaslMechanismName))('%s runs to completion in the client loop', (mechanism) => {
    const client = saslClientSession(mechanism, 'alice', 'secret');
    const server = saslServer(mechanism, store);
    let message: Buffer | null = client.first();
    let rounds = 0;
    while (message !== null) {
      message = client.next(server.respond(message));
      rounds++;
    }
    expect(server.username).toBe('alice');
    expect(rounds).toBe(mechanism === 'PLAIN' ? 1 : 2);
  });

  it('a SCRAM client refuses a server that cannot prove it knows the credential', () => {
    const client = saslClientSession('SCRAM-SHA-256', 'alice', 'secret');
    const impostor = saslServer('SCRAM-SHA-256', saslUserStore([{ username: 'alice', password: 'guess' }]));
    const clientFinal = client.next(impostor.respond(client.first()))!;
    expect(() => impostor.respond(clientFinal)).toThrow('Invalid client credentials');
    expect(() => client.next(Buffer.from('v=' + Buffer.alloc(32).toString('base64')))).toThrow('Invalid server signature');
  });
});
