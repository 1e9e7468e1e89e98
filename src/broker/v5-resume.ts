// Aedes 2.0.0-beta.1 loses the queue of a resumed MQTT 5 session when the resuming CONNECT has
// Clean Start = 0 but no Session Expiry Interval (= 0): it derives `client.clean` from the new
// interval, and its emptyQueue step drops the queued messages of a "clean" client. MQTT 5
// §3.1.2.4 says Clean Start = 0 resumes an existing session, queue included; the new interval
// (§3.1.2.11.2) only decides what happens at the next disconnect.
//
// The fix: while such a connection is being set up (from CONNECT until Aedes emits
// 'clientReady', which it does right after emptyQueue), `client.clean` reads false. Afterwards
// it reads Aedes' own value again, so the session still ends with this connection.
import type { Client, ConnectPacket } from 'aedes';

export class ResumeGuard {
  private readonly resuming = new WeakSet<Client>();

  /** Makes `clean` overridable for this client; call once when the client is created. */
  attach(client: Client): void {
    let clean = client.clean;
    Object.defineProperty(client, 'clean', {
      configurable: true,
      enumerable: true,
      get: () => (this.resuming.has(client) ? false : clean),
      set: (v: boolean) => { clean = v; },
    });
  }

  /** At CONNECT: `hasSession` tells whether a stored session exists for this client id. */
  connecting(client: Client, packet: ConnectPacket, hasSession: boolean): void {
    const expiry = (packet.properties as { sessionExpiryInterval?: number } | undefined)?.sessionExpiryInterval ?? 0;
    if (packet.protocolVersion === 5 && packet.clean === false && expiry === 0 && hasSession) this.resuming.add(client);
  }

  ready(client: Client): void {
    this.resuming.delete(client);
  }
}
