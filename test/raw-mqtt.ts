// A bare MQTT client for tests that need control mqtt.js does not give: it never acknowledges
// a PUBLISH unless told to (to hold messages in flight). Real packets on a real socket.
import { connect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { waitFor } from './helpers.ts';

export interface RawClient {
  publishes: { topic: string; payload: string; qos: number; messageId?: number }[];
  suback?: number[];
  connack?: { returnCode?: number; reasonCode?: number; sessionPresent: boolean; properties?: Record<string, unknown> };
  subscribe(topic: string, qos: 0 | 1 | 2): Promise<number[]>;
  ack(messageId: number): void;
  /** Closes the socket without DISCONNECT (an unexpected loss of connection). */
  destroy(): void;
}

export async function rawClient(port: number, clientId: string, opts: { version?: 4 | 5; clean?: boolean; expiry?: number } = {}): Promise<RawClient> {
  const version = opts.version ?? 4;
  const socket: Socket = connect(port, '127.0.0.1');
  const parser = mqttPacket.parser({ protocolVersion: version });
  const write = (p: object) => socket.write(mqttPacket.generate(p as never, { protocolVersion: version }));
  let nextId = 1;
  const client: RawClient = {
    publishes: [],
    async subscribe(topic, qos) {
      client.suback = undefined;
      write({ cmd: 'subscribe', messageId: nextId++, subscriptions: [{ topic, qos }] });
      await waitFor(() => client.suback !== undefined, 5000, 'SUBACK');
      return client.suback!;
    },
    ack(messageId) {
      write({ cmd: 'puback', messageId });
    },
    destroy() {
      socket.destroy();
    },
  };
  parser.on('packet', (p: any) => {
    if (p.cmd === 'connack') client.connack = p;
    if (p.cmd === 'suback') client.suback = p.granted;
    if (p.cmd === 'publish') client.publishes.push({ topic: p.topic, payload: p.payload.toString(), qos: p.qos, messageId: p.messageId });
  });
  socket.on('data', (d) => parser.parse(d));
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  write({
    cmd: 'connect', protocolId: 'MQTT', protocolVersion: version, clientId, clean: opts.clean ?? true, keepalive: 60,
    ...(version === 5 && opts.expiry ? { properties: { sessionExpiryInterval: opts.expiry } } : {}),
  });
  await waitFor(() => client.connack !== undefined, 5000, 'CONNACK');
  return client;
}
