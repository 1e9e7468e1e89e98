// The operations of an OpenAPI 3.1 document, as the fuzzer needs them: method, path, parameters,
// body schema and documented responses. Schemas keep their `#/components/...` references;
// `schemaRef` makes them resolvable from a validator that holds the whole document.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export type Schema = Record<string, any>;

export interface Param { name: string; in: 'path' | 'query'; required: boolean; schema: Schema }

export interface Operation {
  id: string;
  method: string;
  path: string;
  params: Param[];
  body?: Schema;
  /** status → media type → schema (undefined when the response documents no body) */
  responses: Record<string, Record<string, Schema | undefined>>;
  /** Statuses a valid request may get when the broker's state forbids it (x-semantic-errors). */
  semanticErrors: number[];
  secured: boolean;
  /** Answers without the envelope (`x-raw: true`: the spec as JSON). */
  raw: boolean;
}

export interface Spec { doc: Schema; operations: Operation[] }

export function loadSpec(file: string): Spec {
  const doc = parse(readFileSync(file, 'utf8')) as Schema;
  const deref = (x: Schema): Schema => (x && x.$ref ? deref(pointer(doc, x.$ref)) : x);
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries<Schema>(doc.paths)) {
    for (const [method, op] of Object.entries<Schema>(item)) {
      const params = (op.parameters ?? []).map((p: Schema) => deref(p)).map((p: Schema) => ({ name: p.name, in: p.in, required: !!p.required, schema: p.schema }));
      const responses: Operation['responses'] = {};
      for (const [status, r] of Object.entries<Schema>(op.responses)) {
        const resp = deref(r);
        responses[status] = Object.fromEntries(Object.entries<Schema>(resp.content ?? {}).map(([type, m]) => [type, m.schema]));
      }
      operations.push({
        id: op.operationId, method: method.toUpperCase(), path, params, responses,
        body: op.requestBody ? deref(op.requestBody).content?.['application/json']?.schema : undefined,
        semanticErrors: op['x-semantic-errors'] ?? [],
        secured: (op.security ?? doc.security ?? []).length > 0,
        raw: op['x-raw'] === true,
      });
    }
  }
  return { doc, operations };
}

export function pointer(doc: Schema, ref: string): Schema {
  return ref.replace(/^#\//, '').split('/').reduce((o, k) => o[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
}
