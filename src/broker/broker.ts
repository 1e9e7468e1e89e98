// The MQTT side of relaymq: an Aedes broker and its listeners (MQTT over TCP, and over
// WebSocket on a path of an HTTP server). Everything else reaches it through the Cluster.
import { createServer as createTcpServer, type Server as TcpServer, type AddressInfo } from 'node:net';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { once } from 'node:events';
import { Aedes, type AedesOptions, type Connection } from 'aedes';
import type { IncomingMessage } from 'node:http';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { BrokerConfig } from '../config/load.ts';
import type { Logger } from '../util/log.ts';
import { capConnections, type ConnectionCaps } from './connection-limits.ts';

/** A WebSocket frame may carry one MQTT packet of max_packet_size, plus framing slack. */
const WS_FRAME_SLACK = 1024;
/** A WebSocket upgrade request must be complete within this time. */
const WS_HANDSHAKE_TIMEOUT_MS = 10_000;

export interface MqttListeners {
  tcp?: TcpServer;
  ws?: HttpServer;
}

export function splitAddr(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  return { host: addr.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(addr.slice(i + 1)) };
}

export async function createBroker(cfg: BrokerConfig, log: Logger, hookOptions: AedesOptions, persistence: unknown): Promise<Aedes> {
  const broker = await Aedes.createBroker({
    ...hookOptions,
    persistence,
    id: cfg.node.name,
    maxClientsIdLength: cfg.mqtt.max_clientid_len,
    keepaliveLimit: cfg.mqtt.max_keepalive,
    // Enforced while parsing, from the fixed header on, before CONNECT too; advertised in MQTT 5 CONNACKs.
    maximumPacketSize: cfg.mqtt.max_packet_size,
    // relaymq routes shared subscriptions itself (shared-subscriptions.ts): say so [MQTT-3.2.2-13].
    connackProperties: (_client: unknown, properties: { sharedSubscriptionAvailable?: boolean }) => {
      properties.sharedSubscriptionAvailable = true;
    },
  } as AedesOptions);
  // Aedes reports store failures as 'error' events; an EventEmitter without a listener would throw.
  (broker as unknown as import('node:events').EventEmitter).on('error', (err: Error) => log.error({ err }, 'broker error'));
  broker.on('clientError', (client, err) => log.debug({ clientid: client.id, err: err.message }, 'client error'));
  broker.on('connectionError', (_client, err) => log.debug({ err: err.message }, 'connection error'));
  return broker;
}

export type ConnectionHandler = (conn: Connection, req?: IncomingMessage) => void;

/** Starts the configured listeners; resolves once every one is bound. */
export async function startListeners(handle: ConnectionHandler, cfg: BrokerConfig, caps: ConnectionCaps, log: Logger): Promise<MqttListeners> {
  const out: MqttListeners = {};
  if (cfg.listener.tcp.enable) {
    const { host, port } = splitAddr(cfg.listener.tcp.addr);
    const tcp = createTcpServer((socket) => handle(socket));
    capConnections(tcp, caps.tcp, 'tcp', log);
    tcp.listen(port, host);
    await once(tcp, 'listening');
    out.tcp = tcp;
    log.info({ addr: tcp.address() }, 'MQTT/TCP listening');
  }
  if (cfg.listener.ws.enable) {
    const { host, port } = splitAddr(cfg.listener.ws.addr);
    const http = createHttpServer({ headersTimeout: WS_HANDSHAKE_TIMEOUT_MS, requestTimeout: WS_HANDSHAKE_TIMEOUT_MS }, (_req, res) => { res.writeHead(404).end(); });
    capConnections(http, caps.ws, 'ws', log);
    const wss = new WebSocketServer({ server: http, path: cfg.listener.ws.path, maxPayload: cfg.mqtt.max_packet_size + WS_FRAME_SLACK });
    wss.on('connection', (ws, req) => {
      const stream = createWebSocketStream(ws);
      stream.on('error', () => stream.destroy());
      handle(stream, req);
    });
    http.listen(port, host);
    await once(http, 'listening');
    out.ws = http;
    log.info({ addr: http.address(), path: cfg.listener.ws.path }, 'MQTT/WebSocket listening');
  }
  return out;
}

export async function closeListeners(l: MqttListeners): Promise<void> {
  await Promise.all([l.tcp, l.ws].filter((s) => s !== undefined).map((s) => new Promise<void>((resolve) => {
    s!.close(() => resolve());
    if ('closeAllConnections' in s!) (s as HttpServer).closeAllConnections();
  })));
}

export function boundPort(server: TcpServer | HttpServer | undefined): number | undefined {
  const a = server?.address();
  return a && typeof a === 'object' ? (a as AddressInfo).port : undefined;
}
