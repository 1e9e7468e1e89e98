// The MQTT side of relaymq: an Aedes broker and its listeners (MQTT over TCP and TLS, and over
// WebSocket on a path of an HTTP or HTTPS server). Everything else reaches it through the Cluster.
import { createServer as createTcpServer, type Server as TcpServer, type AddressInfo } from 'node:net';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { Aedes, type AedesOptions, type Client, type Connection } from 'aedes';
import type { IncomingMessage } from 'node:http';
import { WebSocketServer, createWebSocketStream } from 'ws';
import mqttPacket from 'mqtt-packet';
import type { BrokerConfig } from '../config/load.ts';
import type { Logger } from '../util/log.ts';
import { capConnections, type ConnectionCaps } from './connection-limits.ts';
import { tlsOptions } from './tls.ts';
import { ConfigError } from '../config/load.ts';
import { splitAddr } from '../util/addr.ts';

/** A WebSocket frame may carry one MQTT packet of max_packet_size, plus framing slack. */
const WS_FRAME_SLACK = 1024;
/** A WebSocket upgrade request must be complete within this time. */
const WS_HANDSHAKE_TIMEOUT_MS = 10_000;

export interface MqttListeners {
  tcp?: TcpServer;
  ws?: HttpServer;
  tls?: TlsServer;
  wss?: HttpsServer;
}
export type ListenerName = keyof MqttListeners;

/** Adds per-client properties to a successful MQTT 5 CONNACK. */
export type ConnackProperties = (client: Client, properties: Record<string, unknown>) => void;

export async function createBroker(cfg: BrokerConfig, log: Logger, hookOptions: AedesOptions, persistence: unknown,
  perClient: ConnackProperties = () => {}): Promise<Aedes> {
  // mqtt-packet otherwise makes, on the first packet it writes, a cache of a 2-byte Buffer for
  // every number from 0 to 65535 (packet ids, lengths): 6.6 MB of heap that a broker keeps for
  // good. Writing each number as it comes costs nothing measurable (docs/benchmarks.md).
  (mqttPacket.writeToStream as unknown as { cacheNumbers: boolean }).cacheNumbers = false;
  const broker = await Aedes.createBroker({
    ...hookOptions,
    persistence,
    id: cfg.node.name,
    maxClientsIdLength: cfg.mqtt.max_clientid_len,
    // MQTT 3.1.1 clients above it are refused; MQTT 5 clients get Server Keep Alive instead.
    keepaliveLimit: cfg.mqtt.max_keepalive,
    serverKeepAlive: cfg.mqtt.server_keep_alive,
    // Enforced while parsing, from the fixed header on, before CONNECT too; advertised in MQTT 5 CONNACKs.
    maximumPacketSize: cfg.mqtt.max_packet_size,
    // Advertised; enforced by inbound-rules.ts (Receive Maximum) and Aedes (aliases beyond the maximum).
    receiveMaximum: cfg.mqtt.receive_maximum,
    topicAliasMaximum: cfg.mqtt.max_topic_alias,
    responseInformation: cfg.mqtt.response_information || null,
    connackProperties: (client: Client, properties: Record<string, unknown>) => {
      advertise(cfg.mqtt, properties);
      perClient(client, properties);
    },
  } as AedesOptions);
  // Aedes reports store failures as 'error' events; an EventEmitter without a listener would throw.
  (broker as unknown as import('node:events').EventEmitter).on('error', (err: Error) => log.error({ err }, 'broker error'));
  broker.on('clientError', (client, err) => log.debug({ clientid: client.id, err: err.message }, 'client error'));
  broker.on('connectionError', (_client, err) => log.debug({ err: err.message }, 'connection error'));
  return broker;
}

/**
 * What an MQTT 5 CONNACK says the broker supports [MQTT-3.2.2-9..]. Only what differs from the
 * standard's defaults is sent; relaymq routes shared subscriptions itself (shared-subscriptions.ts).
 */
function advertise(mqtt: BrokerConfig['mqtt'], properties: Record<string, unknown>): void {
  properties.sharedSubscriptionAvailable = mqtt.shared_subscription_available;
  if (mqtt.max_qos_allowed < 2) properties.maximumQoS = mqtt.max_qos_allowed;
  if (!mqtt.retain_available) properties.retainAvailable = false;
  if (!mqtt.wildcard_subscription_available) properties.wildcardSubscriptionAvailable = false;
  if (!mqtt.subscription_identifier_available) properties.subscriptionIdentifiersAvailable = false;
}

export type ConnectionHandler = (conn: Connection, req?: IncomingMessage) => void;

/** Starts the configured listeners; resolves once every one is bound. */
export async function startListeners(handle: ConnectionHandler, cfg: BrokerConfig, caps: ConnectionCaps, log: Logger): Promise<MqttListeners> {
  const out: MqttListeners = {};
  const { tcp, ws, tls, wss } = cfg.listener;
  try {
    if (tcp.enable) out.tcp = await listen(createTcpServer((socket) => handle(socket)), 'tcp', tcp.addr, caps.tcp, log);
    if (tls.enable) {
      const server = createTlsServer(listenerTls(cfg, 'tls'), (socket) => handle(socket));
      out.tls = await listen(server, 'tls', tls.addr, tls.max_connections, log);
    }
    if (ws.enable) {
      const http = createHttpServer(WS_HTTP_OPTIONS, notFound);
      out.ws = await listen(acceptWebSockets(http, ws.path, cfg, handle), 'ws', ws.addr, caps.ws, log);
    }
    if (wss.enable) {
      const https = createHttpsServer({ ...WS_HTTP_OPTIONS, ...listenerTls(cfg, 'wss') }, notFound);
      out.wss = await listen(acceptWebSockets(https, wss.path, cfg, handle), 'wss', wss.addr, wss.max_connections, log);
    }
  } catch (e) {
    await closeListeners(out);
    throw e;
  }
  return out;
}

const WS_HTTP_OPTIONS = { headersTimeout: WS_HANDSHAKE_TIMEOUT_MS, requestTimeout: WS_HANDSHAKE_TIMEOUT_MS };
const notFound = (_req: IncomingMessage, res: import('node:http').ServerResponse) => { res.writeHead(404).end(); };

/** MQTT over WebSocket on `path` of an HTTP(S) server. */
function acceptWebSockets<S extends HttpServer | HttpsServer>(server: S, path: string, cfg: BrokerConfig, handle: ConnectionHandler): S {
  const wss = new WebSocketServer({ server, path, maxPayload: cfg.mqtt.max_packet_size + WS_FRAME_SLACK });
  // ws re-emits the HTTP server's errors (a busy port…); listen() reports those, naming the key.
  wss.on('error', () => {});
  wss.on('connection', (ws, req) => {
    const stream = createWebSocketStream(ws);
    stream.on('error', () => stream.destroy());
    handle(stream, req);
  });
  return server;
}

/** Binds a listener; a failure names its config key (e.g. a port in use). */
async function listen<S extends TcpServer>(server: S, name: ListenerName, addr: string, cap: number, log: Logger): Promise<S> {
  capConnections(server, cap, name, log);
  const { host, port } = splitAddr(addr);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new ConfigError(`key 'listener.${name}.addr': cannot listen on ${addr}: ${e.code ?? e.message}`)));
    server.listen(port, host, () => resolve());
  });
  server.on('error', (err) => log.error({ err, listener: name }, 'listener error'));
  log.info({ listener: name, addr: server.address() }, 'MQTT listener up');
  return server;
}

/** Re-reads the TLS listeners' certificate files; connections keep theirs, new ones get the new. */
export function reloadCertificates(l: MqttListeners, cfg: BrokerConfig): void {
  // Both read before either applies: a bad file changes nothing.
  const tls = l.tls && listenerTls(cfg, 'tls');
  const wss = l.wss && listenerTls(cfg, 'wss');
  if (tls) l.tls!.setSecureContext(tls);
  if (wss) l.wss!.setSecureContext(wss);
}

const listenerTls = (cfg: BrokerConfig, name: 'tls' | 'wss') => tlsOptions(cfg.listener[name], (k) => `listener.${name}.${k}`);

/** What /nodes lists about the listeners: name, bound address, TLS or not, WebSocket path. */
export function listenerInfo(l: MqttListeners, cfg: BrokerConfig): { name: ListenerName; addr: string; port: number; tls: boolean; path?: string }[] {
  return (Object.entries(l) as [ListenerName, TcpServer][]).filter(([, server]) => server.listening).map(([name, server]) => {
    const a = server.address() as AddressInfo;
    const path = name === 'ws' || name === 'wss' ? cfg.listener[name].path : undefined;
    return { name, addr: a.address, port: a.port, tls: name === 'tls' || name === 'wss', ...(path ? { path } : {}) };
  });
}

export async function closeListeners(l: MqttListeners): Promise<void> {
  await Promise.all(Object.values(l).filter((s) => s !== undefined).map((s) => new Promise<void>((resolve) => {
    if (!s.listening) return resolve();
    s.close(() => resolve());
    if ('closeAllConnections' in s) (s as HttpServer).closeAllConnections();
  })));
}

export function boundPort(server: TcpServer | undefined): number | undefined {
  const a = server?.address();
  return a && typeof a === 'object' ? (a as AddressInfo).port : undefined;
}
