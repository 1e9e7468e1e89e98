// The baseline of bench/http.ts: a bare node:http server answering each path with the JSON
// in the JSON file given on the command line (what relaymq answered), nothing else. Prints its
// port on stdout.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const bodies = JSON.parse(readFileSync(process.argv[2], 'utf8')) as Record<string, string>;
const server = createServer((req, res) => {
  const body = bodies[req.url!];
  if (body === undefined) return res.writeHead(404).end();
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
