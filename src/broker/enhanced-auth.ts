// MQTT 5 enhanced authentication (§4.12, the AUTH packet): a CONNECT naming an Authentication
// Method that a plugin implements starts a challenge/response exchange, held here (a seam
// inbound observer) before Aedes sees the CONNECT:
//   CONNECT (method, data)  →  AUTH 0x18 (challenge) … AUTH 0x18 (response)  →  CONNECT to Aedes
// On success the CONNECT goes on to Aedes without its Authentication Method (Aedes itself only
// knows username/password), the password hooks are skipped, and the CONNACK carries the
// method and the exchange's final data. A failure is a CONNACK with the method's reason code.
// Re-authentication (AUTH 0x19 on a connected client, same method) runs a new exchange that ends
// in AUTH 0x00 or DISCONNECT. A method no plugin implements is left to Aedes: CONNACK 0x8C.
// The whole exchange is bounded by Aedes' connect timeout (the CONNECT is not Aedes' yet).
import { ReasonCode } from './reason-codes.ts';
import mqttPacket from 'mqtt-packet';
import type { Client, ConnectPacket } from 'aedes';
import type { BrokerHooks } from './hooks.ts';
import type { AedesSeam, InboundObserver } from './aedes-seam.ts';
import type { Logger } from '../util/log.ts';

/** One step of an exchange, as the method decides it. */
export type AuthStep =
  | { continue: Buffer }
  | { success: Buffer | undefined; username?: string }
  | { fail: number };

/** One client's exchange: `start` gets the CONNECT's (or AUTH 0x19's) data, `next` each AUTH 0x18's. */
export interface AuthExchange {
  start(data: Buffer | undefined): Promise<AuthStep>;
  next(data: Buffer | undefined): Promise<AuthStep>;
}

/** What a plugin registers for an Authentication Method. */
export type AuthMethod = (client: Client) => AuthExchange;

const { REAUTHENTICATE, PROTOCOL_ERROR, BAD_CREDENTIALS, NOT_AUTHORIZED } = ReasonCode;
const CONTINUE = ReasonCode.CONTINUE_AUTHENTICATION;

interface Exchange {
  method: string;
  run: AuthExchange;
  /** The CONNECT waiting for the exchange; undefined for a re-authentication. */
  connect?: ConnectPacket;
  busy: boolean;
}

export class EnhancedAuth {
  private readonly methods = new Map<string, AuthMethod>();
  private readonly exchanges = new WeakMap<Client, Exchange>();
  /** Clients authenticated by a method: the method and the data for their CONNACK. */
  private readonly done = new WeakMap<Client, { method: string; data?: Buffer }>();

  constructor(private readonly seam: AedesSeam, private readonly log: Logger) {}

  /** Registers a method (plugins); returns the function that removes it. */
  register(method: string, start: AuthMethod): () => void {
    this.methods.set(method, start);
    return () => { if (this.methods.get(method) === start) this.methods.delete(method); };
  }

  install(hooks: BrokerHooks): void {
    // A client the exchange authenticated needs no password: it comes before every other check.
    hooks.add('authenticate', (client) => (this.done.has(client) ? 'allow' : 'ignore'), 0);
  }

  /** Adds the method and its final data to a successful CONNACK. */
  connack(client: Client, properties: Record<string, unknown>): void {
    const d = this.done.get(client);
    if (!d) return;
    properties.authenticationMethod = d.method;
    if (d.data) properties.authenticationData = d.data;
  }

  readonly inbound: InboundObserver = (client, packet) => {
    if (packet.cmd === 'connect') {
      const connect = packet as unknown as ConnectPacket;
      const method = connect.properties?.authenticationMethod;
      if (connect.protocolVersion !== 5 || method === undefined || !this.methods.has(method)) return;
      const ex: Exchange = { method, run: this.methods.get(method)!(client), connect, busy: true };
      this.exchanges.set(client, ex);
      this.step(client, ex, ex.run.start(connect.properties?.authenticationData));
      return 'drop';
    }
    if (packet.cmd !== 'auth') return;
    const auth = packet as unknown as { reasonCode?: number; properties?: { authenticationMethod?: string; authenticationData?: Buffer } };
    const method = auth.properties?.authenticationMethod;
    let ex = this.exchanges.get(client);
    if (auth.reasonCode === REAUTHENTICATE && client.connected && !ex) {
      const first = this.done.get(client);
      // [MQTT-4.12.1-1] re-authentication uses the method of the CONNECT
      if (!first || first.method !== method || !this.methods.has(method)) return this.protocolError(client);
      ex = { method, run: this.methods.get(method)!(client), busy: true };
      this.exchanges.set(client, ex);
      this.step(client, ex, ex.run.start(auth.properties?.authenticationData));
      return 'drop';
    }
    // [MQTT-4.12.0-..] an AUTH outside an exchange, out of turn, or naming another method
    if (!ex || ex.busy || auth.reasonCode !== CONTINUE || method !== ex.method) return this.protocolError(client);
    ex.busy = true;
    this.step(client, ex, ex.run.next(auth.properties?.authenticationData));
    return 'drop';
  };

  private step(client: Client, ex: Exchange, result: Promise<AuthStep>): void {
    result.catch((err: unknown): AuthStep => {
      this.log.warn({ err, clientid: client.id, method: ex.method }, 'authentication method failed');
      return { fail: BAD_CREDENTIALS };
    }).then((step) => {
      ex.busy = false;
      if (client.closed || this.exchanges.get(client) !== ex) return;
      if ('continue' in step) {
        this.write(client, { cmd: 'auth', reasonCode: CONTINUE, properties: { authenticationMethod: ex.method, authenticationData: step.continue } });
        return;
      }
      this.exchanges.delete(client);
      if ('fail' in step) return this.fail(client, ex, step.fail);
      this.done.set(client, { method: ex.method, data: step.success });
      if (!ex.connect) {
        this.write(client, { cmd: 'auth', reasonCode: 0, properties: { authenticationMethod: ex.method, ...(step.success ? { authenticationData: step.success } : {}) } });
        return;
      }
      const { authenticationMethod: _m, authenticationData: _d, ...properties } = ex.connect.properties ?? {};
      const connect = { ...ex.connect, properties, ...(step.username !== undefined ? { username: step.username } : {}) };
      this.seam.handOver(client, connect);
    });
  }

  private fail(client: Client, ex: Exchange, reasonCode: number): void {
    if (!ex.connect) {
      // DISCONNECT has no 0x86 (Bad user name or password): a failed re-authentication is 0x87.
      client.disconnect({ reasonCode: reasonCode === BAD_CREDENTIALS ? NOT_AUTHORIZED : reasonCode }, () => {});
      return;
    }
    // [MQTT-4.12.0-2] a failed CONNECT exchange ends with a CONNACK carrying the reason code
    this.write(client, { cmd: 'connack', reasonCode, sessionPresent: false });
    client.conn.end();
  }

  private protocolError(client: Client): 'drop' {
    this.exchanges.delete(client);
    if (client.connected) client.disconnect({ reasonCode: PROTOCOL_ERROR }, () => {});
    else client.conn.destroy();
    return 'drop';
  }

  private write(client: Client, packet: object): void {
    client.conn.write(mqttPacket.generate(packet as never, { protocolVersion: 5 }));
  }
}
