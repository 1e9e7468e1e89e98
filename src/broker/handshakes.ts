// Connections in their handshake: open but not yet answered with a CONNACK (`handshakings`),
// of which those whose CONNECT is being processed (`handshakings_active`), and the rate of
// CONNECT packets (`handshakings_rate`: CONNECTs received during the last 1000 ms).
import type { Aedes, Client } from 'aedes';
import type { BrokerHooks } from './hooks.ts';
import { socketOf } from './client-info.ts';

export class Handshakes {
  private readonly open = new Set<Client>();
  private readonly active = new Set<Client>();
  /** Arrival times of recent CONNECTs (at most one second's worth). */
  private recent: number[] = [];

  install(broker: Aedes, hooks: BrokerHooks): void {
    hooks.add('connect', (client) => {
      this.active.add(client);
      this.recent.push(Date.now());
      this.prune();
    });
    broker.on('connackSent', (_connack, client) => this.ended(client));
    broker.on('connectionError', (client, err) => {
      if (/connect did not arrive in time/.test(err.message)) {
        hooks.emit('client.handshaking.timeout', { ip: socketOf(client).remoteAddress });
      }
    });
  }

  /** A new connection (ended() ends it: one of the seam's 'closed' observers). */
  attach(client: Client): void {
    this.open.add(client);
  }

  counts(): { handshakings: number; active: number; rate: number } {
    this.prune();
    return { handshakings: this.open.size, active: this.active.size, rate: this.recent.length };
  }

  /** Its handshake is over: answered, or the connection closed. */
  readonly ended = (client: Client): void => {
    this.open.delete(client);
    this.active.delete(client);
  };

  private prune(): void {
    const since = Date.now() - 1000;
    let i = 0;
    while (i < this.recent.length && this.recent[i] <= since) i++;
    if (i) this.recent = this.recent.slice(i);
  }
}
