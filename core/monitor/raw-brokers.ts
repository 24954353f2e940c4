// Raw connections by broker address, opened on first use and reopened after they close.
import { RawConnection, type RawConnectionOptions } from './raw-connection.js';

export interface BrokerAddress {
  nodeId: number;
  host: string;
  port: number;
}

export class RawBrokers {
  private readonly connections = new Map<string, Promise<RawConnection>>();

  constructor(private readonly opts: RawConnectionOptions) {}

  async get(broker: { host: string; port: number }): Promise<RawConnection> {
    const key = `${broker.host}:${broker.port}`;
    const existing = this.connections.get(key);
    if (existing) {
      const conn = await existing.catch(() => null);
      if (conn && !conn.closed) return conn;
      if (this.connections.get(key) === existing) this.connections.delete(key);
    }
    const opening = this.connections.get(key) ?? RawConnection.open(broker.host, broker.port, this.opts);
    this.connections.set(key, opening);
    opening.catch(() => {
      if (this.connections.get(key) === opening) this.connections.delete(key);
    });
    return opening;
  }

  closeAll(): void {
    for (const c of this.connections.values()) c.then((conn) => conn.close()).catch(() => {});
    this.connections.clear();
  }
}
