// The contract: spec/openapi.yaml, read once. Handlers, validation, the endpoint list and the
// metric/stat key lists are all derived from it. The build (scripts/build.sh) also writes it as
// dist/spec/openapi.json, which the compiled broker reads instead: parsing the YAML took
// 150 ms of its start-up.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const SPEC_PATH = fileURLToPath(new URL('../../spec/openapi.yaml', import.meta.url));
const SPEC_JSON_PATH = SPEC_PATH.replace(/\.yaml$/, '.json');

export interface SpecDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, { operationId: string; summary?: string; requestBody?: unknown; security?: unknown[] }>>;
  components: { schemas: Record<string, { required?: string[]; properties?: Record<string, unknown> }> };
}

let cached: SpecDocument | undefined;
export function specDocument(): SpecDocument {
  cached ??= existsSync(SPEC_JSON_PATH)
    ? JSON.parse(readFileSync(SPEC_JSON_PATH, 'utf8')) as SpecDocument
    : createRequire(import.meta.url)('yaml').parse(readFileSync(SPEC_PATH, 'utf8')) as SpecDocument;
  return cached;
}

/** The keys a schema requires, e.g. every metric name of `Metrics`. */
export function requiredKeys(schema: string): string[] {
  const keys = specDocument().components.schemas[schema]?.required;
  if (!keys) throw new Error(`spec: schema '${schema}' has no required keys`);
  return keys;
}
