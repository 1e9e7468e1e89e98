// Writes generated/schema-keys.ts: the keys the spec requires of the Stats and Metrics schemas,
// as constants, so that the broker layer uses the contract's key lists without reading the
// spec at run time. Part of `npm run generate`; `npm run check:generated` fails when stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';

const spec = parse(readFileSync('spec/openapi.yaml', 'utf8')) as { components: { schemas: Record<string, { required?: string[] }> } };
const keys = (schema: string) => {
  const required = spec.components.schemas[schema]?.required;
  if (!required) throw new Error(`spec: schema '${schema}' has no required keys`);
  return JSON.stringify(required, null, 2).replace(/"/g, "'");
};
writeFileSync('generated/schema-keys.ts', `// Generated from spec/openapi.yaml by scripts/generate-keys.ts. Do not edit.

/** Every key of the Stats schema (gauges: "<name>.count" and "<name>.max"). */
export const STATS_KEYS = ${keys('Stats')} as const;

/** Every key of the Metrics schema (counters). */
export const METRICS_KEYS = ${keys('Metrics')} as const;
`);
