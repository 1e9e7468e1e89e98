// The API benchmark's client (api-scale.ts starts it once the broker is populated): a process of
// its own, so that the garbage and the MQTT clients of the population are not in the process
// whose timings are measured. For each path, after up to WARM_UP unmeasured request pairs, it
// reads the path `samples` times from relaymq, one request at a time (keep-alive), each
// alternating with one to the bare node:http server. Prints {path: {relaymq, bare}} as JSON.
import { Agent, request } from 'node:http';
import { percentiles } from './percentiles.ts';

/**
 * Unmeasured request pairs per path, bounded in count and time. An operation's validators compile
 * on its first call, and every process here, the bare server included, still has code to
 * optimise: with 20 warm-up requests the bare server's p99 was 2–4 ms.
 */
const WARM_UP = { requests: 1000, ms: 2000 };

const { relayPort, barePort, paths, samples } = JSON.parse(process.argv[2]) as { relayPort: number; barePort: number; paths: string[]; samples: number };

function get(agent: Agent, port: number, path: string): Promise<number> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent, timeout: 60_000 }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t) : reject(new Error(`${path}: ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

const relay = new Agent({ keepAlive: true, maxSockets: 1 });
const bare = new Agent({ keepAlive: true, maxSockets: 1 });
const out: Record<string, { relaymq: ReturnType<typeof percentiles>; bare: ReturnType<typeof percentiles> }> = {};
for (const path of paths) {
  const warmUntil = Date.now() + WARM_UP.ms;
  for (let i = 0; i < WARM_UP.requests && Date.now() < warmUntil; i++) {
    await get(relay, relayPort, path);
    await get(bare, barePort, path);
  }
  const relayTimes: number[] = [];
  const bareTimes: number[] = [];
  for (let i = 0; i < samples; i++) {
    relayTimes.push(await get(relay, relayPort, path));
    bareTimes.push(await get(bare, barePort, path));
  }
  out[path] = { relaymq: percentiles(relayTimes), bare: percentiles(bareTimes) };
  process.stderr.write(`  … ${path}\n`);
}
relay.destroy();
bare.destroy();
process.stdout.write(JSON.stringify(out));
