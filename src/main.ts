// The relaymq command: `relaymq [--config etc/relaymq.toml]`. Starts the broker and its API,
// and closes them cleanly on SIGINT/SIGTERM.
// First: quietens the dependencies' `debug` loggers before any of them is created.
import './util/quiet-debug.ts';
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { loadConfig, ConfigError } from './config/load.ts';
import { startRelayMQ } from './app.ts';
import { StoreError } from './persistence/open.ts';
import { VERSION } from './broker/node-info.ts';
import { redactUrl } from './util/redact-url.ts';

const HELP = `Usage: relaymq [--config FILE]

An MQTT 3.1.1/5 broker (TCP and WebSocket) with an RMQTT-compatible HTTP API (/api/v2).

Options:
  -c, --config FILE  broker config (default: etc/relaymq.toml if it exists, else built-in defaults)
  -h, --help         show this help
  -v, --version      show the version
`;

/** How long a graceful shutdown may take before the process exits anyway. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ options: {
      config: { type: 'string', short: 'c' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    } }).values;
  } catch (e) {
    process.stderr.write(`relaymq: ${(e as Error).message}\n${HELP}`);
    return 2;
  }
  if (args.help) { process.stdout.write(HELP); return 0; }
  if (args.version) { process.stdout.write(`${VERSION}\n`); return 0; }

  const file = args.config ?? (existsSync('etc/relaymq.toml') ? 'etc/relaymq.toml' : undefined);
  let relay;
  try {
    relay = await startRelayMQ(loadConfig(file));
  } catch (e) {
    const msg = e instanceof ConfigError || e instanceof StoreError ? e.message : `cannot start: ${(e as Error).message}`;
    process.stderr.write(`relaymq: ${msg}\n`);
    return 1;
  }
  const { ports, config } = relay;
  process.stdout.write(`relaymq ${VERSION} node ${config.broker.node.name}: MQTT tcp ${ports.mqtt ?? 'off'}, ws ${ports.ws ?? 'off'}, `
    + `tls ${ports.tls ?? 'off'}, wss ${ports.wss ?? 'off'}, HTTP API ${ports.http ?? 'off'}\n`);
  if (config.broker.cluster.type === 'redis') {
    process.stdout.write(`relaymq: cluster node ${config.broker.node.id} on Redis ${redactUrl(config.broker.cluster.redis_url)}: sessions, `
      + 'subscriptions, queued and retained messages, wills and routing are shared there; [persistence] holds nothing\n');
  }

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      relay.log.info({ signal }, 'shutting down');
      setTimeout(() => { process.stderr.write('relaymq: shutdown timed out\n'); process.exit(1); }, SHUTDOWN_TIMEOUT_MS).unref();
      relay.close().then(resolve);
    };
    // SIGHUP re-reads the TLS certificates (MQTT listeners and the HTTP API); a bad file keeps the old ones.
    process.on('SIGHUP', () => {
      relay.reloadCertificates().catch((err) => relay.log.error({ err: (err as Error).message }, 'TLS certificates not reloaded'));
    });
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}

process.exitCode = await main();
