// A server process for bench/http.ts: `raw` (bare node:http), `stock` (openapi-backend with
// its own per-request routing) or `relaymq` (the real API). Prints its port on stdout.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OpenAPIBackend } from 'openapi-backend';
import { pino } from 'pino';
import { SPEC_PATH } from '../src/api/spec.ts';
import { loadConfig } from '../src/config/load.ts';
import { startRelayMQ } from '../src/app.ts';

const kind = process.argv[2];
const body = JSON.stringify({ code: 0, msg: '', data: [{ node_id: 1 }] });

if (kind === 'relaymq') {
  const relay = await startRelayMQ(loadConfig(undefined, {
    broker: { listener: { tcp: { addr: '127.0.0.1:0' }, ws: { enable: false } } },
    httpApi: { http_laddr: '127.0.0.1:0' },
  }), pino({ level: 'silent' }));
  process.stdout.write(`${relay.ports.http}\n`);
} else {
  let handle: (method: string, path: string) => Promise<string>;
  if (kind === 'stock') {
    const api = new OpenAPIBackend({ definition: SPEC_PATH, apiRoot: '/api/v2', validate: true, coerceTypes: true, quick: true });
    api.validateDefinition = function () { return this.document; };
    await api.init();
    api.register({ notFound: async () => '404', notImplemented: async () => body, unauthorizedHandler: async () => '401' });
    api.registerSecurityHandler('bearerAuth', () => true);
    handle = async (method, path) => (await api.handleRequest({ method, path, headers: {} })) as string;
  } else {
    handle = async () => body;
  }
  const server = createServer(async (req, res) => {
    const out = await handle(req.method!, req.url!);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) }).end(out);
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
}
