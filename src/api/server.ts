// The HTTP listener of the management API (node:http). It reads and checks request bodies
// (size, media type, JSON), hands requests to the backend, and writes every outcome — data or
// error — in the {"code","msg","data"} envelope. A thrown non-ApiError is logged and becomes a
// 500; the process keeps serving.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { ApiError, InternalError, MalformedJson, MethodNotAllowed, PayloadTooLarge, RouteNotFound, ServiceUnavailable, UnsupportedMediaType } from './errors.ts';
import { StoreUnavailable } from '../persistence/backend.ts';
import type { ApiBackend, Reply } from './backend.ts';
import type { ApiContext } from './types.ts';
import { splitAddr } from '../broker/broker.ts';

/** Largest accepted request body, in bytes (documented in the spec's info.description). */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface HttpApi {
  server: Server;
  port: number;
  /** Stops listening; `graceful` lets requests in progress finish instead of cutting them. */
  close(graceful?: boolean): Promise<void>;
}

export async function startHttpApi(backend: ApiBackend, ctx: ApiContext, laddr: string): Promise<HttpApi> {
  // http_request_log is an explicit request for these lines, whatever the global log level.
  const requestLog = ctx.log.child({ component: 'http' }, { level: 'info' });
  const server = createServer((req, res) => {
    const started = process.hrtime.bigint();
    handle(backend, ctx, req, res).finally(() => {
      if (ctx.settings().http_request_log) {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        requestLog.info({ method: req.method, url: req.url, status: res.statusCode, ms, remote: req.socket.remoteAddress }, 'http request');
      }
    });
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  const { host, port } = splitAddr(laddr);
  server.listen(port, host);
  await once(server, 'listening');
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: (graceful = false) => new Promise<void>((resolve) => {
      server.close(() => resolve());
      if (graceful) server.closeIdleConnections();
      else server.closeAllConnections();
    }),
  };
}

async function handle(backend: ApiBackend, ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const url = new URL(req.url ?? '/', 'http://relaymq');
    const method = req.method ?? 'GET';
    const match = backend.router.match(method, url.pathname);
    if (!match.operation) {
      req.resume();
      if (match.allowed.length) {
        res.setHeader('Allow', match.allowed.join(', '));
        throw new MethodNotAllowed(method, url.pathname);
      }
      throw new RouteNotFound(url.pathname);
    }
    let body: unknown;
    if (match.operation.requestBody) body = await readJsonBody(req, res);
    else req.resume();
    const reply = await backend.api.handleRequest({
      method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers as Record<string, string>, body,
    }, ctx) as Reply;
    send(res, reply.status, reply.text ? String(reply.data) : envelope(0, '', reply.data), reply.text);
  } catch (e) {
    const err = e instanceof ApiError ? e : e instanceof StoreUnavailable ? new ServiceUnavailable(e.message) : new InternalError();
    if (err instanceof InternalError) ctx.log.error({ err: e, url: req.url }, 'unhandled error in API handler');
    send(res, err.status, envelope(err.status, err.message, null), false);
  }
}

function envelope(code: number, msg: string, data: unknown): string {
  return JSON.stringify({ code, msg, data });
}

function send(res: ServerResponse, status: number, payload: string, text: boolean): void {
  if (res.headersSent) return;
  res.writeHead(status, {
    'Content-Type': text ? 'text/plain; version=0.0.4; charset=utf-8' : 'application/json',
    'Content-Length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

/**
 * Reads an application/json body of at most MAX_BODY_BYTES. An oversized body gets 413 and the
 * connection is closed once the answer is written (the rest of the upload is not read).
 */
async function readJsonBody(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  const hasBody = req.headers['transfer-encoding'] !== undefined || declared > 0;
  if (!hasBody) {
    req.resume();
    return undefined; // openapi-backend reports the missing required body as a 400
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') {
    res.setHeader('Connection', 'close');
    req.resume();
    throw new UnsupportedMediaType(req.headers['content-type'] ?? '');
  }
  if (declared > MAX_BODY_BYTES) {
    res.setHeader('Connection', 'close');
    throw new PayloadTooLarge(MAX_BODY_BYTES);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      res.setHeader('Connection', 'close');
      throw new PayloadTooLarge(MAX_BODY_BYTES);
    }
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new MalformedJson((e as Error).message);
  }
}
