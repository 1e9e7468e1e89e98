// Cost of one Prometheus scrape (the 93 series of one node plus node="all"): a prom-client
// registry built per scrape (what relaymq does) against one registry updated in place.
import { Gauge, Registry } from 'prom-client';
import { renderPrometheus, type NodeFigures } from '../src/metrics/prometheus.ts';
import { requiredKeys } from '../src/api/spec.ts';

const SCRAPES = 2000;

export async function benchPrometheus(): Promise<void> {
  const metrics = Object.fromEntries(requiredKeys('Metrics').map((k, i) => [k, i]));
  const stats = Object.fromEntries(requiredKeys('Stats').map((k, i) => [k, i]));
  const node = { disk_free: 1, disk_total: 2, load1: 0.1, load5: 0.2, load15: 0.3, memory_free: 4, memory_total: 8, memory_used: 4, running: true } as NodeFigures['node'];
  const figures: NodeFigures[] = [{ id: 1, metrics, stats, node }];

  let t = performance.now();
  for (let i = 0; i < SCRAPES; i++) await renderPrometheus(figures, { perNode: true, all: true });
  const perScrape = (performance.now() - t) / SCRAPES;

  const registry = new Registry();
  const gauges = ['rmqtt_metrics', 'rmqtt_nodes', 'rmqtt_stats'].map((name) => new Gauge({ name, help: name, labelNames: ['item', 'node'], registers: [registry] }));
  t = performance.now();
  for (let i = 0; i < SCRAPES; i++) {
    for (const [k, v] of Object.entries(metrics)) { gauges[0].set({ item: k, node: '1' }, v); gauges[0].set({ item: k, node: 'all' }, v); }
    for (const [k, v] of Object.entries(stats)) { gauges[2].set({ item: k, node: '1' }, v); gauges[2].set({ item: k, node: 'all' }, v); }
    await registry.metrics();
  }
  const inPlace = (performance.now() - t) / SCRAPES;
  console.log(`Prometheus scrape of one node, ${SCRAPES} scrapes:`);
  console.log(`  registry updated in place  ${(inPlace * 1000).toFixed(0)} µs/scrape (baseline 1.00)`);
  console.log(`  registry built per scrape  ${(perScrape * 1000).toFixed(0)} µs/scrape (${(perScrape / inPlace).toFixed(2)}× in place)`);
}
