// A real redis-server for the cluster tests (Debian's package; .ci/run installs it), on a free
// loopback port, with its data in a temporary folder and the append-only file on, so that a
// restart keeps the cluster's state as an operator's Redis would.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './process.ts';
import { waitFor } from './helpers.ts';

export interface RedisServer {
  url: string;
  port: number;
  /** Stops the server (SIGTERM: it writes its data first). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it, deletes its data and starts it again: a Redis that lost everything. */
  restartEmpty(): Promise<void>;
}

/** `args`: more redis-server options (e.g. `--requirepass`). */
export async function startRedis(args: string[] = []): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'relaymq-redis-'));
  let child: ChildProcess | undefined;
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      let out = '';
      const c = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--protected-mode', 'no', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      c.stdout!.on('data', (d) => { out += d; });
      c.stderr!.on('data', (d) => { out += d; });
      let exited = false;
      c.on('exit', () => { exited = true; });
      await waitFor(() => exited || /Ready to accept connections/.test(out), 10_000, 'redis-server start');
      if (exited) throw new Error(`redis-server did not start:\n${out}`);
    },
    restartEmpty: undefined as unknown as () => Promise<void>,
    async stop() {
      const c = child;
      if (!c || c.exitCode !== null) return;
      const gone = new Promise((r) => c.on('exit', r));
      c.kill('SIGTERM');
      await gone;
    },
  };
  server.restartEmpty = async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    await server.start();
  };
  await server.start();
  return server;
}
