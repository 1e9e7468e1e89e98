// The HTTP listener of the management API (node:http). In this order, for every request: who may
// ask (access.ts: the bearer token, or loopback only when none is configured — the body is not
// read for a refused request), the route (404, 405), the parameters (strict: a repeated
// parameter is a 400), the body (size, media type, JSON), then the handler. Every outcome — data
// or error — is written in the {"code","msg","data"} envelope, also for requests Node cannot
// parse (400), that are too slow (408) or whose headers are too large (431). A thrown error
// that is not an ApiError is logged and becomes a 500; the process keeps serving.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import {
  ApiError, HeadersTooLarge, InternalError, InvalidRequest, MalformedJson, MalformedRequest, MethodNotAllowed,
  PayloadTooLarge, RequestTimeout, RouteNotFound, ServiceUnavailable, UnsupportedMediaType,
} from './errors.ts';
import { openToAll, refuseAccess } from './access.ts';
import type { ApiBackend } from './backend.ts';
import { StreamingReply } from './streaming.ts';
import type { ApiContext } from './types.ts';
import { splitAddr } from '../util/addr.ts';
import { capConnections } from '../broker/connection-limits.ts';
import { StoreUnavailable } from '../persistence/backend.ts';
import type { TlsServerOptions } from '../broker/tls.ts';

/** Largest accepted request body, in bytes (documented in the spec's info.description). */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Largest accepted request headers, in bytes (431 beyond). */
export const MAX_HEADER_BYTES = 16 * 1024;

export interface HttpApi {
  server: Server;
  port: number;
  /** Whether it serves HTTPS. */
  tls: boolean;
  /** Stops listening; `graceful` lets requests in progress finish instead of cutting them. */
  close(graceful?: boolean): Promise<void>;
}

export interface ListenerOptions {
  laddr: string;
  maxConnections: number;
  /** The headers must arrive within this time, the whole request within the other (408 otherwise). */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** HTTPS when given (http_tls_cert/http_tls_key). */
  tls?: TlsServerOptions;
}

export async function startHttpApi(backend: ApiBackend, ctx: ApiContext, opts: ListenerOptions): Promise<HttpApi> {
  // http_request_log is an explicit request for these lines, whatever the global log level.
  const requestLog = ctx.log.child({ component: 'http' }, { level: 'info' });
  const options = {
    headersTimeout: opts.headersTimeoutMs, requestTimeout: opts.requestTimeoutMs, maxHeaderSize: MAX_HEADER_BYTES,
    // Node checks both timeouts at this interval: keep it below them.
    connectionsCheckingInterval: Math.min(1000, opts.headersTimeoutMs / 2),
  };
  const server: Server = opts.tls ? createHttpsServer({ ...options, ...opts.tls }, onRequest) : createServer(options, onRequest);
  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const started = process.hrtime.bigint();
    handle(backend, ctx, req, res).finally(() => {
      if (ctx.settings().http_request_log) {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        requestLog.info({ method: req.method, url: req.url, status: res.statusCode, ms, remote: req.socket.remoteAddress }, 'http request');
      }
    });
  }
  capConnections(server, opts.maxConnections, 'http-api', ctx.log);
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => answerUnparsable(err, socket));
  const { host, port } = splitAddr(opts.laddr);
  server.listen(port, host);
  await once(server, 'listening');
  return {
    server,
    port: (server.address() as AddressInfo).port,
    tls: Boolean(opts.tls),
    close: (graceful = false) => new Promise<void>((resolve) => {
      server.close(() => resolve());
      if (graceful) server.closeIdleConnections();
      else server.closeAllConnections();
    }),
  };
}

async function handle(backend: ApiBackend, ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const url = splitUrl(req.url ?? '/');
    const method = req.method ?? 'GET';
    // Routing reads nothing of the request but its line; what it finds is told only after access.
    const match = backend.router.match(method, url.pathname);
    // Probes and browsers carry no token: the operations open to all answer anyone.
    const open = openToAll(match.operation, ctx.settings());
    const refusal = open ? undefined : refuseAccess(req.headers.authorization, ctx.bearerToken(), req.socket.remoteAddress);
    if (refusal) {
      res.setHeader('Connection', 'close'); // the body, if any, is not read
      throw refusal;
    }
    if (!match.operation) {
      req.resume();
      if (match.allowed.length) {
        res.setHeader('Allow', match.allowed.join(', '));
        throw new MethodNotAllowed(method, url.pathname);
      }
      throw new RouteNotFound(url.pathname);
    }
    const query = url.search ? singleValued(new URLSearchParams(url.search)) : {};
    let body: unknown;
    if (match.operation.requestBody) body = await readJsonBody(req, res);
    else req.resume();
    const reply = await backend.dispatch(match.operation, { path: url.pathname, rawParams: match.rawParams ?? {}, query, headers: req.headers, body }, ctx);
    if (reply.data instanceof StreamingReply) return reply.data.start(res);
    const raw = (d: unknown) => (typeof d === 'string' ? d : JSON.stringify(d));
    for (const [name, value] of Object.entries(reply.headers)) res.setHeader(name, value);
    send(res, reply.status, reply.contentType ? raw(reply.data) : envelope(0, '', reply.data), reply.contentType);
  } catch (e) {
    // The client went away (mid-upload): nobody to answer, nothing to log.
    if (!(e instanceof ApiError) && (req.socket.destroyed || (e as NodeJS.ErrnoException).code === 'ECONNRESET')) return;
    const err = e instanceof ApiError ? e : e instanceof StoreUnavailable ? new ServiceUnavailable(e.message) : new InternalError();
    if (err instanceof InternalError) ctx.log.error({ err: e, url: req.url }, 'unhandled error in API handler');
    send(res, err.status, envelope(err.status, err.message, null));
  }
}

/** Plain URL characters, for which splitting at '?' gives what WHATWG URL parsing would. */
const PLAIN_PATH = /^\/[\w\-/~+:@!$&'()*,;=%]*$/;

/** The path and query string of a request target (WHATWG URL parsing only for unusual ones: dot segments, spaces…). */
function splitUrl(target: string): { pathname: string; search: string } {
  const q = target.indexOf('?');
  const pathname = q < 0 ? target : target.slice(0, q);
  if (PLAIN_PATH.test(pathname) && !pathname.includes('/.')) return { pathname, search: q < 0 ? '' : target.slice(q + 1) };
  const url = new URL(target, 'http://relaymq');
  return { pathname: url.pathname, search: url.search.slice(1) };
}

/** The query as one value per name; a parameter given twice is ambiguous, so a 400. */
function singleValued(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [k, v] of params) {
    if (Object.hasOwn(out, k)) throw new InvalidRequest(`query parameter '${k}' is given more than once`);
    out[k] = v;
  }
  return out;
}

/** A request Node could not parse, or one too slow or too large: an envelope, then the connection closes. */
function answerUnparsable(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const error = err.code === 'HPE_HEADER_OVERFLOW' ? new HeadersTooLarge(MAX_HEADER_BYTES)
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? new RequestTimeout()
      : new MalformedRequest((err as { reason?: string }).reason ?? err.message);
  const payload = envelope(error.status, error.message, null);
  const reason = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' }[error.status] ?? 'Error';
  socket.end(`HTTP/1.1 ${error.status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\nConnection: close\r\n\r\n${payload}`);
}

function envelope(code: number, msg: string, data: unknown): string {
  return JSON.stringify({ code, msg, data });
}

function send(res: ServerResponse, status: number, payload: string, contentType = 'application/json'): void {
  if (res.headersSent) return;
  res.writeHead(status, {
    'Content-Type': contentType,
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
