// relaymq as a child process, the way an operator runs it: `relaymq --config FILE`.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './helpers.ts';
import { START_FILE } from '../scripts/start-file.ts';

export interface RelayProcess {
  child: ChildProcess;
  ports: { mqtt: number; ws: number; http: number };
  output: () => string;
  exited: Promise<number | null>;
  api: (path: string, init?: RequestInit) => Promise<any>;
}

/** A port free on 127.0.0.1 right now (for a broker that must come back on the same port). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** A config folder with ephemeral ports (or the given MQTT port) and the data directory; returns the config path. */
export function processConfig(dataDir: string, extra = '', mqttPort = 0): string {
  const dir = mkdtempSync(join(tmpdir(), 'relaymq-proc-'));
  mkdirSync(join(dir, 'plugins'));
  writeFileSync(join(dir, 'relaymq.toml'), `[listener.tcp]\naddr = "127.0.0.1:${mqttPort}"\n[listener.ws]\naddr = "127.0.0.1:0"\n` +
    `[persistence]\ntype = "level"\ndata_dir = "${dataDir}"\n${extra}`);
  writeFileSync(join(dir, 'plugins', 'rmqtt-http-api.toml'), 'http_laddr = "127.0.0.1:0"\n');
  return join(dir, 'relaymq.toml');
}

/** The sources through tsx, or (`built`) what `npm start` runs. */
export const RELAY_ENTRY = { sources: ['--import', 'tsx', 'src/main.ts'], built: [START_FILE] };

export async function spawnRelay(config: string, entry = RELAY_ENTRY.sources, env = process.env): Promise<RelayProcess> {
  const child = spawn(process.execPath, [...entry, '--config', config], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let done = false;
  exited.then(() => { done = true; });
  await waitFor(() => done || /HTTP API \d+/.test(out), 30_000, 'relaymq startup line');
  if (done) throw new Error(`relaymq exited during startup:\n${out}`);
  const m = /MQTT tcp (\d+), ws (\d+), .*HTTP API (\d+)/.exec(out)!;
  const ports = { mqtt: Number(m[1]), ws: Number(m[2]), http: Number(m[3]) };
  return {
    child, ports, exited, output: () => out,
    api: async (path, init) => {
      const r = await fetch(`http://127.0.0.1:${ports.http}/api/v2${path}`, init);
      return r.json();
    },
  };
}

export function newDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'relaymq-data-'));
}
