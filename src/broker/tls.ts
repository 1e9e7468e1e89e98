// TLS for the MQTT listeners (MQTT/TLS, MQTT/WebSocket over TLS) and the HTTP API: the
// certificate files an operator names, read into Node's secure-context options (TLS 1.2 and
// later only), re-read on demand (SIGHUP, a plugin config reload) without dropping connections;
// and the client certificate's Common Name, which can stand for the MQTT username.
import { readFileSync } from 'node:fs';
import type { SecureContextOptions, TLSSocket } from 'node:tls';
import type { Client } from 'aedes';
import { ConfigError } from '../config/load.ts';

export interface TlsFiles {
  cert: string;
  key: string;
  /** CA bundle to verify client certificates (and nothing else). */
  ca?: string;
  /** Ask for a client certificate and refuse connections without a valid one. */
  verify_peer?: boolean;
}

/** A TLS handshake must be complete within this time. */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

export type TlsServerOptions = SecureContextOptions & { requestCert: boolean; rejectUnauthorized: boolean; handshakeTimeout: number };

/** Reads the files; a missing or unreadable one is a ConfigError naming its config key (`keyOf`). */
export function tlsOptions(files: TlsFiles, keyOf: (key: 'cert' | 'key' | 'ca') => string): TlsServerOptions {
  const read = (key: 'cert' | 'key' | 'ca') => {
    try {
      return readFileSync(files[key]!);
    } catch (e) {
      throw new ConfigError(`key '${keyOf(key)}': cannot read '${files[key]}': ${(e as Error).message}`);
    }
  };
  return {
    cert: read('cert'), key: read('key'), ...(files.ca ? { ca: read('ca') } : {}),
    minVersion: 'TLSv1.2',
    requestCert: Boolean(files.verify_peer), rejectUnauthorized: Boolean(files.verify_peer),
    handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS,
  };
}

/** The Common Name of the client's verified certificate, if it connected over TLS with one. */
export function peerCommonName(client: Client): string | undefined {
  const socket = (client.req?.socket ?? client.conn) as Partial<TLSSocket>;
  if (!socket.encrypted || !socket.authorized || typeof socket.getPeerCertificate !== 'function') return undefined;
  const cn = socket.getPeerCertificate().subject?.CN;
  return Array.isArray(cn) ? cn[0] : cn || undefined;
}
