// The Connect form ⇄ a ConnectionProfile, with errors in the words of the form's fields.
import type { ConnectionProfile, SaslConfig } from '../api/contract';

export type SaslChoice = 'none' | SaslConfig['mechanism'];

export interface ProfileForm {
  name: string;
  bootstrap: string;
  ssl: boolean;
  sasl: SaslChoice;
  username: string;
  password: string;
}

export function emptyForm(): ProfileForm {
  return { name: '', bootstrap: '', ssl: false, sasl: 'none', username: '', password: '' };
}

export function formFromProfile(p: ConnectionProfile): ProfileForm {
  return {
    name: p.name,
    bootstrap: p.bootstrapServers.join(', '),
    ssl: p.ssl,
    sasl: p.sasl?.mechanism ?? 'none',
    username: p.sasl?.username ?? '',
    password: p.sasl?.password ?? '',
  };
}

const HOST_PORT = /^[^\s:]+:(\d{1,5})$/;

export function parseBootstrap(text: string): { servers: string[]; error: string | null } {
  const servers = text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (servers.length === 0) return { servers, error: 'Enter at least one bootstrap server, as host:port (for example localhost:9092).' };
  for (const s of servers) {
    const m = HOST_PORT.exec(s);
    if (!m) return { servers, error: `Bootstrap server '${s}' is not host:port (for example localhost:9092).` };
    const port = Number(m[1]);
    if (port < 1 || port > 65535) return { servers, error: `Bootstrap server '${s}': port ${port} is out of range.` };
  }
  return { servers, error: null };
}

export function profileFromForm(form: ProfileForm): { profile: ConnectionProfile; error: null } | { profile: null; error: string } {
  const { servers, error } = parseBootstrap(form.bootstrap);
  if (error) return { profile: null, error };
  let sasl: SaslConfig | null = null;
  if (form.sasl !== 'none') {
    if (!form.username.trim()) return { profile: null, error: `SASL ${form.sasl.toUpperCase()} needs a username.` };
    sasl = { mechanism: form.sasl, username: form.username.trim(), password: form.password };
  }
  const name = form.name.trim() || servers.join(',');
  if (name.length > 100) return { profile: null, error: 'Profile name is longer than 100 characters.' };
  return { profile: { name, bootstrapServers: servers, ssl: form.ssl, sasl }, error: null };
}
