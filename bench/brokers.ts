// The brokers a benchmark compares, each in its own process on 127.0.0.1: bare Aedes (the
// same, patched, version relaymq runs on), relaymq with its default config (LevelDB store,
// default plugins) or with the memory store, and Mosquitto when it is installed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';

export type BrokerKind = 'aedes' | 'relaymq' | 'relaymq-memory' | 'mosquitto';

export interface RunningBroker {
  kind: BrokerKind;
  port: number;
  /** HTTP API port (relaymq only). */
  http?: number;
  child: ChildProcess;
  /** Resident memory of the broker process, bytes. */
  rss(): number;
  /** CPU time the broker process has used, ms. */
  cpu(): number;
  /** Runs a full garbage collection in the broker (Node.js brokers only). */
  gc?(): Promise<void>;
  stop(): Promise<void>;
}

export const mosquittoInstalled = spawnSync('sh', ['-c', 'command -v mosquitto']).status === 0;

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** Starts a broker; `relaymqOverrides` are config overrides for relaymq kinds (e.g. mqtt limits). */
export async function startBroker(kind: BrokerKind, relaymqOverrides: Record<string, unknown> = {}): Promise<RunningBroker> {
  let child: ChildProcess;
  let port: number;
  let http: number | undefined;
  if (kind === 'mosquitto') {
    port = await freePort();
    const conf = join(mkdtempSync(join(tmpdir(), 'bench-mosquitto-')), 'mosquitto.conf');
    // Mosquitto's per-client queue defaults are smaller than relaymq's: give it the same room.
    writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 1000\nmax_inflight_messages 128\npersistence false\n`);
    child = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'ignore'] });
    await waitForPort(port);
  } else {
    // The compiled broker (bench/run.ts builds first), as `npm start` runs it.
    child = spawn(process.execPath, ['--expose-gc', ...profileArgs(), 'dist/bench/broker-process.js', kind, JSON.stringify(relaymqOverrides)],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${kind} did not start`)), 60_000);
      child.stdout!.once('data', (d) => { clearTimeout(t); resolve(String(d).trim()); });
    });
    [port, http] = line.split(' ').map(Number);
  }
  const pid = child.pid!;
  return {
    kind, port, http, child,
    rss: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024,
    cpu: () => {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(f[11]) + Number(f[12])) * 10; // utime + stime, in clock ticks of 10 ms
    },
    gc: kind === 'mosquitto' ? undefined : async () => {
      child.kill('SIGUSR2'); // broker-process.ts collects on it
      await new Promise((r) => setTimeout(r, 1000));
    },
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    }),
  };
}

function profileArgs(): string[] {
  return process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [];
}

/** Resolves once something accepts TCP connections on the port (bounded: 10 s). */
export async function waitForPort(port: number): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1', () => { s.destroy(); r(true); });
      s.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on ${port}`);
}
