// The contract: spec/openapi.yaml, read once. Handlers, validation, the endpoint list and the
// metric/stat key lists are all derived from it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const SPEC_PATH = fileURLToPath(new URL('../../spec/openapi.yaml', import.meta.url));

export interface SpecDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, { operationId: string; summary?: string; requestBody?: unknown; security?: unknown[] }>>;
  components: { schemas: Record<string, { required?: string[]; properties?: Record<string, unknown> }> };
}

let cached: SpecDocument | undefined;
export function specDocument(): SpecDocument {
  cached ??= parse(readFileSync(SPEC_PATH, 'utf8')) as SpecDocument;
  return cached;
}

/** The keys a schema requires, e.g. every metric name of `Metrics`. */
export function requiredKeys(schema: string): string[] {
  const keys = specDocument().components.schemas[schema]?.required;
  if (!keys) throw new Error(`spec: schema '${schema}' has no required keys`);
  return keys;
}
