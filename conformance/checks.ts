// What every response must satisfy (the checks Schemathesis applies, and the envelope's):
// no 5xx; a documented status; the documented content type; a body valid against the
// documented schema (Ajv 2020); the envelope's code equal to the status (0 for 2xx); valid
// requests never refused except by documented 404s (absent objects) and the operation's
// `x-semantic-errors`; invalid requests always refused with a 4xx.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Operation, Schema } from './spec.ts';

export interface Reply { status: number; contentType: string; text: string }

export class Validator {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: false });
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(doc: Schema) {
    addFormats.default(this.ajv);
    this.ajv.addSchema({ ...doc, $id: 'spec' } as object, 'spec');
  }

  /** A validator for a schema taken out of the document (its `#/...` references still resolve). */
  compile(schema: Schema): ValidateFunction {
    const key = JSON.stringify(schema);
    let v = this.cache.get(key);
    if (!v) {
      v = this.ajv.compile(rebase(schema) as object);
      this.cache.set(key, v);
    }
    return v;
  }

  errors(v: ValidateFunction): string {
    return this.ajv.errorsText(v.errors, { dataVar: 'body' });
  }
}

function rebase(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(rebase);
  if (x && typeof x === 'object') {
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `spec${v}` : rebase(v)]));
  }
  return x;
}

export function checkResponse(v: Validator, op: Operation, valid: boolean, r: Reply): string[] {
  const problems: string[] = [];
  if (r.status >= 500) problems.push(`server error ${r.status}`);
  const documented = op.responses[String(r.status)];
  if (!documented) {
    problems.push(`status ${r.status} is not documented for ${op.id}`);
    return problems;
  }
  const mediaTypes = Object.keys(documented);
  const type = r.contentType.split(';')[0].trim();
  if (mediaTypes.length && !mediaTypes.includes(type)) problems.push(`content-type '${r.contentType}' is not one of ${mediaTypes.join(', ')}`);
  const schema = documented[type];
  if (schema) {
    let body: unknown = r.text;
    if (type === 'application/json') {
      try {
        body = JSON.parse(r.text);
      } catch {
        problems.push('body is not JSON');
        return problems;
      }
      const code = (body as { code?: unknown })?.code;
      const expected = r.status < 300 ? 0 : r.status;
      const enveloped = !(op.raw && r.status < 300);
      if (enveloped && code !== expected) problems.push(`envelope code ${String(code)} for HTTP ${r.status} (expected ${expected})`);
    }
    const validate = v.compile(schema);
    if (!validate(body)) problems.push(`body does not match the documented schema: ${v.errors(validate)}`);
  }
  if (valid && r.status >= 400 && r.status !== 404 && !op.semanticErrors.includes(r.status)) problems.push(`a valid request was refused with ${r.status}`);
  if (!valid && r.status < 400) problems.push(`an invalid request was accepted with ${r.status}`);
  return problems;
}
