// rmqtt-counter: the metrics counters (/metrics). Unloading it stops counting; loading it
// again resumes from the values reached (counters never go back).
import { definePlugin } from '../plugin.ts';
import type { MetricsCounter } from '../../metrics/counter.ts';

export default definePlugin<Record<string, never>>({
  name: 'rmqtt-counter',
  version: '0.1.0',
  descr: 'Metrics counters of broker events',
  immutable: false,
  configSchema: { type: 'object', additionalProperties: false, properties: {} },
  create(ctx) {
    const counter = ctx.services.counter as MetricsCounter;
    return {
      async start() { counter.start(ctx.hooks); },
      async stop() { counter.stop(); return true; },
      async reload() {},
      attrs: () => null,
    };
  },
});
