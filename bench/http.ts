// HTTP API throughput: req/s of GET /api/v2/brokers on relaymq, against a bare node:http
// handler and against openapi-backend's stock per-request routing, measured in the same run.
import { spawn } from 'node:child_process';
import autocannon from 'autocannon';

const DURATION_S = Number(process.env.BENCH_HTTP_SECONDS ?? 5);

async function measure(kind: string): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/http-server.ts', kind], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${kind} server did not start`)), 30_000);
      child.stdout.once('data', (d) => { clearTimeout(t); resolve(Number(String(d).trim())); });
    });
    const url = `http://127.0.0.1:${port}/api/v2/brokers`;
    await autocannon({ url, connections: 16, duration: 1 }); // warm-up
    const r = await autocannon({ url, connections: 16, duration: DURATION_S });
    if (r.non2xx || r.errors) throw new Error(`${kind}: ${r.non2xx} non-2xx, ${r.errors} errors`);
    return r.requests.average;
  } finally {
    child.kill();
  }
}

export async function benchHttp(): Promise<Record<string, number>> {
  const raw = await measure('raw');
  const stock = await measure('stock');
  const relaymq = await measure('relaymq');
  console.log(`GET /api/v2/brokers, ${DURATION_S} s, 16 connections:`);
  console.log(`  raw node:http        ${raw.toFixed(0)} req/s (baseline 1.00)`);
  console.log(`  stock openapi-backend ${stock.toFixed(0)} req/s (${(stock / raw).toFixed(2)}× raw)`);
  console.log(`  relaymq API          ${relaymq.toFixed(0)} req/s (${(relaymq / raw).toFixed(2)}× raw, ${(relaymq / stock).toFixed(2)}× stock)`);
  return { raw, stock, relaymq };
}
