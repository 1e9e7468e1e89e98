// Requests for one operation: valid ones (a fast-check arbitrary over the parameter and body
// schemas, mixed with live values) and invalid ones (one violation each, derived from the
// same schemas).
import fc from 'fast-check';
import { arbitraryFor, type ArbitraryContext } from './arbitraries.ts';
import type { Validator } from './checks.ts';
import { pointer, type Operation, type Schema } from './spec.ts';

export interface Case {
  op: string;
  valid: boolean;
  /** What this case is (for the report): "valid" or the violation. */
  kind: string;
  method: string;
  /** Path and query string, relative to the API base URL. */
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** Size of the oversize-body case: one byte over the documented 1 MiB limit. */
const OVERSIZE = 1024 * 1024 + 1;

function buildPath(op: Operation, params: Record<string, unknown>, query: Record<string, unknown>): string {
  const path = op.path.replace(/\{(\w+)\}/g, (_, n) => encodeURIComponent(String(params[n])));
  const qs = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)])).toString();
  return qs ? `${path}?${qs}` : path;
}

export function validCases(op: Operation, ctx: ArbitraryContext, v: Validator, auth: Record<string, string>): fc.Arbitrary<Case> {
  const pathArbs: Record<string, fc.Arbitrary<unknown>> = {};
  const queryArbs: Record<string, fc.Arbitrary<unknown>> = {};
  for (const p of op.params) {
    const arb = arbitraryFor(p.schema, ctx, p.name);
    if (p.in === 'path') pathArbs[p.name] = arb;
    else queryArbs[p.name] = p.required ? arb : fc.option(arb, { nil: undefined, freq: 3 });
  }
  const bodyValid = op.body && v.compile(op.body);
  const bodyArb = op.body ? arbitraryFor(op.body, ctx).filter((b) => bodyValid!(b)) : fc.constant(undefined);
  return fc.record({ path: fc.record(pathArbs), query: fc.record(queryArbs), body: bodyArb }).map(({ path, query, body }) => ({
    op: op.id, valid: true, kind: 'valid', method: op.method,
    path: buildPath(op, path, query),
    headers: { ...auth, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  }));
}

/** Values that break a schema, each with what it breaks. In a URL every value is text, so a
 * "wrong type" for a string exists only in a JSON body. */
function violations(schema: Schema, doc: Schema, inUrl = false): [string, unknown][] {
  const s = schema.$ref ? pointer(doc, schema.$ref) : schema;
  const out: [string, unknown][] = [];
  const type = Array.isArray(s.type) ? undefined : s.type;
  if (type === 'integer' || type === 'number') out.push(['wrong type', 'not-a-number']);
  if (type === 'string' && !inUrl) out.push(['wrong type', 12345]);
  if (type === 'boolean') out.push(['wrong type', 'maybe']);
  if (type === 'object') out.push(['wrong type', 'not-an-object']);
  if (s.enum) out.push(['bad enum', typeof s.enum[0] === 'number' ? Math.max(...s.enum) + 100 : 'not-in-enum']);
  if (s.minimum !== undefined) out.push(['below minimum', s.minimum - 1]);
  if (s.maximum !== undefined) out.push(['above maximum', s.maximum + 1]);
  if (s.pattern) {
    const bad = ['+', '#', 'a+b', ' ,', '!'].find((x) => !new RegExp(s.pattern, 'u').test(x));
    if (bad !== undefined) out.push(['pattern violated', bad]);
  }
  return out;
}

export function invalidCases(op: Operation, base: Case, doc: Schema, auth: Record<string, string>): Case[] {
  const cases: Case[] = [];
  const url = new URL(base.path, 'http://x');
  const add = (kind: string, c: Partial<Case>) => cases.push({ ...base, valid: false, kind, ...c });

  for (const p of op.params) {
    for (const [what, value] of violations(p.schema, doc, true)) {
      if (p.in === 'path') {
        if (typeof value === 'string' && /^[+#]$/.test(value)) continue; // such a segment is not "one bad parameter"
        const params: Record<string, unknown> = Object.fromEntries(op.params.filter((x) => x.in === 'path').map((x) => [x.name, decodeURIComponent(pathValue(op, base.path, x.name))]));
        params[p.name] = value;
        add(`path ${p.name}: ${what}`, { path: buildPath(op, params, Object.fromEntries(url.searchParams)) });
      } else {
        const q = new URLSearchParams(url.search);
        q.set(p.name, typeof value === 'string' ? value : JSON.stringify(value));
        add(`query ${p.name}: ${what}`, { path: `${url.pathname}?${q}` });
      }
    }
  }

  if (op.body && base.body) {
    const body = JSON.parse(base.body) as Record<string, unknown>;
    const schema = op.body.$ref ? pointer(doc, op.body.$ref) : op.body;
    for (const req of schema.required ?? []) {
      const b = { ...body };
      delete b[req];
      add(`body: missing required '${req}'`, { body: JSON.stringify(b) });
    }
    if (schema.additionalProperties === false) add('body: extra property', { body: JSON.stringify({ ...body, zz_unexpected: 1 }) });
    for (const [k, sub] of Object.entries<Schema>(schema.properties ?? {})) {
      for (const [what, value] of violations(sub, doc)) add(`body ${k}: ${what}`, { body: JSON.stringify({ ...body, [k]: value }) });
    }
    add('body: malformed JSON', { body: '{"topic":' });
    add('body: wrong content type', { headers: { ...base.headers, 'content-type': 'text/plain' } });
    add('body: oversize', { body: JSON.stringify({ ...body, payload: 'x'.repeat(OVERSIZE) }) });
  }

  if (op.secured && Object.keys(auth).length) {
    const { authorization: _, ...noAuth } = base.headers;
    add('no bearer token', { headers: noAuth });
    add('wrong bearer token', { headers: { ...noAuth, authorization: 'Bearer wrong-token' } });
  }
  return cases;
}

/** The (still encoded) value of path parameter `name` in a concrete path of `op`. */
function pathValue(op: Operation, path: string, name: string): string {
  const names = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
  const literal = op.path.split(/\{\w+\}/).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const m = new RegExp(`^${literal.join('([^/?]+)')}`).exec(path.split('?')[0]);
  return m ? m[names.indexOf(name) + 1] : '';
}
