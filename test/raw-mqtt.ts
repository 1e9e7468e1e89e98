// A bare MQTT client for tests that need control mqtt.js does not give: it never acknowledges
// a PUBLISH unless told to (to hold messages in flight), publishes with chosen packet ids and
// flags, and keeps every packet it receives. Real packets on a real socket.
import { connect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { waitFor } from './helpers.ts';

export interface ReceivedPublish { topic: string; payload: string; qos: number; messageId?: number; dup: boolean; retain: boolean; properties?: Record<string, any> }

export interface RawClient {
  publishes: ReceivedPublish[];
  /** Every packet received, in order. */
  packets: any[];
  suback?: number[];
  connack?: { returnCode?: number; reasonCode?: number; sessionPresent: boolean; properties?: Record<string, unknown> };
  closed: boolean;
  subscribe(topic: string, qos: 0 | 1 | 2): Promise<number[]>;
  ack(messageId: number): void;
  /** Sends any packet as given (fields as mqtt-packet names them). */
  send(packet: Record<string, unknown>): void;
  /** Sends the packets in one socket write (so that the broker reads them at once). */
  sendAll(packets: Record<string, unknown>[]): void;
  /** Waits (bounded) for a packet matching `match` among those received from now on. */
  next(match: (p: any) => boolean, timeoutMs?: number): Promise<any>;
  /** Closes the socket without DISCONNECT (an unexpected loss of connection). */
  destroy(): void;
}

export interface RawOptions {
  version?: 4 | 5; clean?: boolean; expiry?: number; keepalive?: number; connect?: Record<string, unknown>;
  /** Sees each packet as it arrives, also before the CONNACK (e.g. to answer an AUTH challenge). */
  onPacket?: (packet: any, send: (packet: Record<string, unknown>) => void) => void;
}

export async function rawClient(port: number, clientId: string, opts: RawOptions = {}): Promise<RawClient> {
  const version = opts.version ?? 4;
  const socket: Socket = connect(port, '127.0.0.1');
  const parser = mqttPacket.parser({ protocolVersion: version });
  const write = (p: object) => socket.write(mqttPacket.generate(p as never, { protocolVersion: version }));
  let nextId = 1;
  const waiters: { match: (p: any) => boolean; resolve: (p: any) => void }[] = [];
  const client: RawClient = {
    publishes: [],
    packets: [],
    closed: false,
    async subscribe(topic, qos) {
      client.suback = undefined;
      write({ cmd: 'subscribe', messageId: nextId++, subscriptions: [{ topic, qos }] });
      await waitFor(() => client.suback !== undefined, 5000, 'SUBACK');
      return client.suback!;
    },
    ack(messageId) {
      write({ cmd: 'puback', messageId });
    },
    send(packet) {
      write(packet);
    },
    sendAll(packets) {
      socket.write(Buffer.concat(packets.map((p) => mqttPacket.generate(p as never, { protocolVersion: version }))));
    },
    next(match, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const w = { match, resolve };
        waiters.push(w);
        setTimeout(() => {
          const i = waiters.indexOf(w);
          if (i >= 0) { waiters.splice(i, 1); reject(new Error('timed out waiting for a packet')); }
        }, timeoutMs).unref();
      });
    },
    destroy() {
      socket.destroy();
    },
  };
  parser.on('packet', (p: any) => {
    client.packets.push(p);
    opts.onPacket?.(p, write);
    if (p.cmd === 'connack') client.connack = p;
    if (p.cmd === 'suback') client.suback = p.granted;
    if (p.cmd === 'publish') {
      client.publishes.push({ topic: p.topic, payload: p.payload.toString(), qos: p.qos, messageId: p.messageId, dup: p.dup, retain: p.retain, properties: p.properties });
    }
    for (const w of [...waiters]) if (w.match(p)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(p); }
  });
  socket.on('data', (d) => parser.parse(d));
  socket.on('error', () => {});
  socket.on('close', () => { client.closed = true; });
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  write({
    cmd: 'connect', protocolId: 'MQTT', protocolVersion: version, clientId, clean: opts.clean ?? true, keepalive: opts.keepalive ?? 60,
    ...(version === 5 && opts.expiry ? { properties: { sessionExpiryInterval: opts.expiry } } : {}),
    ...opts.connect,
  });
  await waitFor(() => client.connack !== undefined || client.closed, 5000, 'CONNACK');
  return client;
}
