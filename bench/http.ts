// HTTP API throughput: req/s of relaymq's API against a bare node:http handler that returns the
// very same JSON (taken from relaymq first), in its own process, measured in the same run: the
// median of 3 rounds in which the two take turns.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import mqtt from 'mqtt';
import { startBroker } from './brokers.ts';
import { median } from './percentiles.ts';

const DURATION_S = Number(process.env.BENCH_HTTP_SECONDS ?? 3);
/** Rounds in which the two servers take turns; each figure is the median. */
const ROUNDS = 3;
const PATHS = ['/api/v2/brokers', '/api/v2/clients/bench-client'];

async function reqPerSec(port: number, path: string): Promise<number> {
  const url = `http://127.0.0.1:${port}${path}`;
  await autocannon({ url, connections: 16, duration: 1 }); // warm-up
  const r = await autocannon({ url, connections: 16, duration: DURATION_S });
  if (r.non2xx || r.errors) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return r.requests.average;
}

/** The baseline: bench/http-server.ts answering each path with its body, in its own process. */
export async function startBareServer(bodies: Record<string, string>): Promise<{ port: number; stop(): void }> {
  // In a file: a Prometheus page or a page of 100 clients is too long for a command line.
  const file = join(mkdtempSync(join(tmpdir(), 'bench-bodies-')), 'bodies.json');
  writeFileSync(file, JSON.stringify(bodies));
  const raw = spawn(process.execPath, ['--import', 'tsx', 'bench/http-server.ts', file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('bare node:http server did not start')), 30_000);
    raw.stdout.once('data', (d) => { clearTimeout(t); resolve(Number(String(d).trim())); });
  });
  return { port, stop: () => raw.kill() };
}

export async function benchHttp(): Promise<Record<string, { raw: number; relaymq: number }>> {
  const relay = await startBroker('relaymq');
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${relay.port}`, { clientId: 'bench-client', reconnectPeriod: 0 });
  const bodies: Record<string, string> = {};
  for (const p of PATHS) bodies[p] = await (await fetch(`http://127.0.0.1:${relay.http}${p}`)).text();
  const raw = await startBareServer(bodies);
  try {
    const out: Record<string, { raw: number; relaymq: number }> = {};
    for (const p of PATHS) {
      const raws: number[] = [];
      const relays: number[] = [];
      for (let round = 1; round <= ROUNDS; round++) {
        process.stderr.write(`HTTP ${p} (round ${round}/${ROUNDS})\n`);
        raws.push(await reqPerSec(raw.port, p));
        relays.push(await reqPerSec(relay.http!, p));
      }
      out[p.replace('/api/v2', '')] = { raw: median(raws), relaymq: median(relays) };
    }
    return out;
  } finally {
    raw.stop();
    await client.endAsync(true);
    await relay.stop();
  }
}
