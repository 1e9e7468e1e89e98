// A broker process for bench/brokers.ts: `aedes` (bare Aedes, in memory), `relaymq` (default
// config: LevelDB store, default plugins) or `relaymq-memory` (memory store), with optional
// config overrides as JSON. Prints "<mqtt port> <http port>" on stdout. SIGUSR2 collects garbage.
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';

// Each kind loads only its own broker: relaymq first quietens `debug`, as main.ts does, and
// bare Aedes runs as its users run it.
const [kind, overridesJson] = process.argv.slice(2);
if (kind === 'aedes') {
  const { Aedes } = await import('aedes');
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
} else {
  await import('../src/util/quiet-debug.ts');
  const { loadConfig } = await import('../src/config/load.ts');
  const { startRelayMQ } = await import('../src/app.ts');
  const overrides = JSON.parse(overridesJson ?? '{}') as Record<string, Record<string, unknown>>;
  const relay = await startRelayMQ(loadConfig(undefined, {
    broker: {
      ...overrides,
      listener: { tcp: { addr: '127.0.0.1:0' }, ws: { enable: false } },
      persistence: { type: kind === 'relaymq-memory' ? 'memory' : 'level', data_dir: mkdtempSync(join(tmpdir(), 'relaymq-bench-')) },
    },
    httpApi: { http_laddr: '127.0.0.1:0' },
  }), pino({ level: 'silent' }), {
    onFatal: (err) => { process.stderr.write(`${kind}: ${err.message}\n`); process.exit(70); },
  });
  process.stdout.write(`${relay.ports.mqtt} ${relay.ports.http}\n`);
  // A clean stop flushes the store, and writes a --cpu-prof profile.
  process.on('SIGTERM', () => { relay.close().then(() => process.exit(0)); });
}
if (kind === 'aedes') process.on('SIGTERM', () => process.exit(0));
// The benchmark's memory figures after a full GC (brokers.ts starts this with --expose-gc).
process.on('SIGUSR2', () => { for (let i = 0; i < 2; i++) globalThis.gc?.(); });
