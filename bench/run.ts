// `npm run bench`: every benchmark scenario, each reporting ratios against a baseline measured
// in the same run. Pick some with `npm run bench -- http`.
import { benchHttp } from './http.ts';
import { benchPersistence, benchCounting } from './fanin.ts';
import { benchPrometheus } from './prometheus.ts';

const scenarios: Record<string, () => Promise<unknown>> = {
  http: benchHttp,
  persistence: benchPersistence,
  counting: benchCounting,
  prometheus: benchPrometheus,
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const [name, run] of Object.entries(scenarios)) {
  if (wanted.length && !wanted.includes(name)) continue;
  console.log(`\n== ${name}`);
  await run();
}
