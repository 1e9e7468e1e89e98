// The network side of a client: the TCP socket under MQTT/TCP, or under the HTTP upgrade of
// MQTT/WebSocket. An offline session (no connection) has empty addresses.
import type { Client } from 'aedes';

export interface SocketInfo { remoteAddress: string; remotePort: number; localAddress: string; localPort: number }

/** The TCP socket under a client (MQTT/TCP, or the HTTP upgrade of MQTT/WebSocket). */
export function socketOf(client: Client): SocketInfo {
  const s = (client.req?.socket ?? client.conn ?? {}) as Partial<SocketInfo>;
  return {
    remoteAddress: plainIp(s.remoteAddress), remotePort: s.remotePort ?? 0,
    localAddress: plainIp(s.localAddress), localPort: s.localPort ?? 0,
  };
}

function plainIp(ip: string | undefined): string {
  return (ip ?? '').replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
}
