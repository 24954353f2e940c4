// A SaslUserStore built from plain user/password pairs, as a broker configured with them would
// hold it: PLAIN checks the password in constant time (Kafka's PlainServerCallbackHandler),
// SCRAM keeps only salted credentials derived once per mechanism, as `kafka-configs` stores them.
import { createHash, timingSafeEqual } from 'node:crypto';
import { SCRAM_MECHANISMS, type ScramMechanism } from './mechanisms.js';
import { scramCredential, type ScramCredential } from './scram-keys.js';
import type { SaslUserStore } from './index.js';

export interface SaslUser {
  username: string;
  password: string;
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export function saslUserStore(users: readonly SaslUser[], { iterations }: { iterations?: number } = {}): SaslUserStore {
  const passwords = new Map(users.map((u) => [u.username, digest(u.password)]));
  const scram = new Map<string, ScramCredential>();
  for (const u of users) {
    for (const mechanism of Object.keys(SCRAM_MECHANISMS) as ScramMechanism[]) {
      scram.set(`${mechanism}\0${u.username}`, scramCredential(mechanism, u.password, { iterations }));
    }
  }
  return {
    checkPassword(username, password) {
      const expected = passwords.get(username);
      return expected !== undefined && timingSafeEqual(expected, digest(password));
    },
    scramCredential(mechanism, username) {
      return scram.get(`${mechanism}\0${username}`);
    },
  };
}
