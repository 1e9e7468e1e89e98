// Start-up as `npm ci && npm start` runs it: the compiled broker (dist/, default config but
// ephemeral loopback ports and a fresh store) from spawn to the first 200 of
// /api/v2/health/ready, against a bare node:http server from spawn to its first answer, in the
// same run, and against bare Aedes (the same patched version, in memory) from spawn to a
// node:http server's first answer once its broker is created: what the MQTT core alone costs.
// Wall time and the process's CPU time at that moment (/proc, 10 ms ticks).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from './percentiles.ts';
import { START_FILE } from '../scripts/start-file.ts';

const RUNS = 5;
const TIMEOUT_MS = 30_000;

const BARE_SERVER = `require('node:http').createServer((q, s) => s.end('{"code":0,"msg":"","data":{}}'))
  .listen(0, '127.0.0.1', function () { console.log('HTTP API ' + this.address().port); });`;

const BARE_AEDES = `import('aedes').then(async ({ Aedes }) => {
  const broker = await Aedes.createBroker();
  require('node:net').createServer(broker.handle).listen(0, '127.0.0.1', () => {
    require('node:http').createServer((q, s) => s.end('{"code":0,"msg":"","data":{}}'))
      .listen(0, '127.0.0.1', function () { console.log('HTTP API ' + this.address().port); });
  });
});`;

export interface StartupResult { wallMs: number; cpuMs: number }

function relaymqConfig(): string {
  const dir = mkdtempSync(join(tmpdir(), 'relaymq-bench-start-'));
  mkdirSync(join(dir, 'plugins'));
  writeFileSync(join(dir, 'relaymq.toml'), `[listener.tcp]\naddr = "127.0.0.1:0"\n[listener.ws]\naddr = "127.0.0.1:0"\n` +
    `[persistence]\ndata_dir = "${join(dir, 'data')}"\n`);
  writeFileSync(join(dir, 'plugins', 'rmqtt-http-api.toml'), 'http_laddr = "127.0.0.1:0"\n');
  return join(dir, 'relaymq.toml');
}

/** utime + stime of a process, in ms (Linux /proc; clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function timeStart(args: string[], readyPath: string): Promise<StartupResult> {
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    child.stdout!.on('data', (d) => { out += d; });
    child.stderr!.on('data', (d) => { out += d; });
    const deadline = started + TIMEOUT_MS;
    for (;;) {
      const port = /HTTP API (\d+)/.exec(out)?.[1];
      if (port) {
        const res = await fetch(`http://127.0.0.1:${port}${readyPath}`).catch(() => undefined);
        if (res?.status === 200) return { wallMs: performance.now() - started, cpuMs: cpuMs(child.pid!) };
      }
      if (child.exitCode !== null || performance.now() > deadline) throw new Error(`no ready answer within ${TIMEOUT_MS} ms:\n${out}`);
      await new Promise((r) => setTimeout(r, 2));
    }
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
  }
}

/** Median of RUNS alternating starts of each. Needs `npm run build` (npm ci runs it). */
export async function benchStartup(log: (m: string) => void): Promise<{ bare: StartupResult; aedes: StartupResult; relaymq: StartupResult }> {
  if (!existsSync(START_FILE)) throw new Error(`${START_FILE} is missing: run \`npm run build\` first`);
  const bare: StartupResult[] = [];
  const aedes: StartupResult[] = [];
  const relay: StartupResult[] = [];
  for (let i = 0; i < RUNS; i++) {
    log(`start-up ${i + 1}/${RUNS}`);
    bare.push(await timeStart(['-e', BARE_SERVER], '/'));
    aedes.push(await timeStart(['-e', BARE_AEDES], '/'));
    relay.push(await timeStart([START_FILE, '--config', relaymqConfig()], '/api/v2/health/ready'));
  }
  const pick = (rs: StartupResult[]) => ({ wallMs: median(rs.map((r) => r.wallMs)), cpuMs: median(rs.map((r) => r.cpuMs)) });
  return { bare: pick(bare), aedes: pick(aedes), relaymq: pick(relay) };
}
