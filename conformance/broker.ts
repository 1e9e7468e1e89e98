// A relaymq to fuzz: temporary data and plugin folders, ephemeral 127.0.0.1 ports, a bearer
// token (so that authentication is fuzzed too), plugin files whose loading is harmless (the
// auth service is unreachable but `on_error = "ignore"`), and the realistic fixture.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../src/config/load.ts';
import { startRelayMQ } from '../src/app.ts';
import { startFixture } from './fixture.ts';

export const CONFORMANCE_TOKEN = 'conformance-token';

export async function startConformanceBroker() {
  const plugins = mkdtempSync(join(tmpdir(), 'relaymq-conf-plugins-'));
  writeFileSync(join(plugins, 'rmqtt-http-api.toml'), `http_laddr = "127.0.0.1:0"\nhttp_bearer_token = "${CONFORMANCE_TOKEN}"\nmax_row_limit = 100\n`);
  writeFileSync(join(plugins, 'rmqtt-auth-http.toml'), 'on_error = "ignore"\ntimeout = "200ms"\n[auth_req]\nurl = "http://127.0.0.1:9/auth"\n');
  writeFileSync(join(plugins, 'rmqtt-web-hook.toml'), 'urls = ["http://127.0.0.1:9/hook"]\nretries = 0\nrules = [{ event = "message_publish" }]\n');
  writeFileSync(join(plugins, 'rmqtt-sys-topic.toml'), 'publish_interval = "1s"\n');
  const relay = await startRelayMQ(loadConfig(undefined, {
    broker: {
      listener: { tcp: { addr: '127.0.0.1:0' }, ws: { addr: '127.0.0.1:0' } },
      persistence: { data_dir: mkdtempSync(join(tmpdir(), 'relaymq-conf-data-')) },
      plugins: { dir: plugins },
    },
  }), pino({ level: 'silent' }));
  const mqttUrl = `mqtt://127.0.0.1:${relay.ports.mqtt}`;
  const fixture = await startFixture(mqttUrl);
  return {
    url: `http://127.0.0.1:${relay.ports.http}/api/v2`,
    token: CONFORMANCE_TOKEN,
    mqttUrl,
    async stop() {
      await fixture.stop();
      await relay.close();
    },
  };
}
