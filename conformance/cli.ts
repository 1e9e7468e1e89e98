// `npm run conformance -- [--url URL] [--token T] [--seed N] [--runs M] [--spec FILE]`
// Without --url it starts its own relaymq (temporary data, ephemeral ports, a bearer token)
// with the realistic fixture; with --url it checks a running RMQTT-v2-compatible server
// (it loads/unloads plugins and kicks clients there: point it at a test broker).
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { runConformance, formatReport } from './runner.ts';
import { startConformanceBroker } from './broker.ts';

const { values } = parseArgs({ options: {
  url: { type: 'string' }, token: { type: 'string' }, mqtt: { type: 'string' },
  seed: { type: 'string', default: String(Date.now() % 100000) }, runs: { type: 'string', default: '50' },
  spec: { type: 'string', default: fileURLToPath(new URL('../spec/openapi.yaml', import.meta.url)) },
} });

const seed = Number(values.seed);
const runs = Number(values.runs);
let target = { url: values.url, token: values.token, mqttUrl: values.mqtt, stop: async () => {} };
if (!target.url) target = await startConformanceBroker();
console.log(`conformance: ${target.url}, seed ${seed}, ${runs} valid runs per operation`);
try {
  const report = await runConformance({ url: target.url!, token: target.token, mqttUrl: target.mqttUrl, seed, runs, spec: values.spec!, log: console.log });
  console.log(formatReport(report));
  process.exitCode = report.ok ? 0 : 1;
} finally {
  await target.stop();
}
