// Import first (main.ts does): when the DEBUG environment variable is not set, every `debug`
// logger the broker's packages create is a no-op function.
//
// mqtt-packet logs through the `debug` package a dozen times per packet it parses or writes. Each
// call, even when nothing is enabled, gathers its arguments into an array and asks a getter
// whether the namespace is enabled: about 2.4 µs of broker CPU per QoS 1 message, some 6% of it
// (see docs/benchmarks.md). relaymq logs through pino; `debug` only matters to someone tracing
// a dependency, who sets DEBUG when starting the broker (`DEBUG=mqtt-packet:* npm start`), and
// then every logger is the real one. What is lost: enabling a namespace while the broker runs,
// which nothing in relaymq does.
//
// This works by taking `debug`'s place in the CommonJS module cache before anything requires it,
// so the bundle (scripts/bundle.sh) leaves `debug` out, to be required from node_modules.
import { createRequire } from 'node:module';

type DebugLogger = ((...args: unknown[]) => void) & { enabled: boolean; namespace: string; extend(sub: string, delimiter?: string): DebugLogger };
type CreateDebug = (namespace: string) => DebugLogger;

/** A `debug` whose loggers do nothing; the rest of its interface (enable, formatters…) is the real one's. */
function quietened(real: CreateDebug): CreateDebug {
  const quiet = (namespace: string): DebugLogger => {
    const off = (() => {}) as DebugLogger;
    off.enabled = false;
    off.namespace = namespace;
    off.extend = (sub, delimiter = ':') => quiet(`${namespace}${delimiter}${sub}`);
    return off;
  };
  return Object.assign(quiet, real, { default: quiet });
}

if (!process.env.DEBUG) {
  const require = createRequire(import.meta.url);
  // The package as relaymq and as mqtt-packet find it: the same file unless npm nests a copy.
  const paths = new Set([require.resolve('debug'), createRequire(require.resolve('mqtt-packet')).resolve('debug')]);
  for (const path of paths) {
    const real = require(path) as CreateDebug;
    require.cache[path]!.exports = quietened(real);
  }
}
