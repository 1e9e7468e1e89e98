// A broker process for bench/fanin.ts: `aedes` (bare Aedes 2, in memory), `relaymq-memory` /
// `relaymq-level` (the real broker, default plugins, with that store) or `relaymq-noacl`
// (memory store, without the rmqtt-acl plugin). Prints its MQTT port on stdout.
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { pino } from 'pino';
import { loadConfig } from '../src/config/load.ts';
import { startRelayMQ } from '../src/app.ts';

const kind = process.argv[2];
if (kind === 'aedes') {
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
} else {
  const type = kind === 'relaymq-level' ? 'level' : 'memory';
  const plugins = kind === 'relaymq-noacl' ? { default_startups: ['rmqtt-counter', 'rmqtt-http-api'] } : {};
  const relay = await startRelayMQ(loadConfig(undefined, {
    broker: {
      listener: { tcp: { addr: '127.0.0.1:0' }, ws: { enable: false } },
      persistence: { type, data_dir: mkdtempSync(join(tmpdir(), 'relaymq-bench-')) },
      plugins,
      // the subscriber must keep up, not be throttled by the default window
      mqtt: { max_inflight: 1024, max_mqueue_len: 100000 },
    },
    httpApi: { http_laddr: '127.0.0.1:0' },
  }), pino({ level: 'silent' }));
  process.stdout.write(`${relay.ports.mqtt}\n`);
}
// Exit normally on SIGTERM, so that a --cpu-prof profile is written.
process.on('SIGTERM', () => process.exit(0));
