// openapi-backend recomputes its operation list (lodash over the whole document) and compiles a
// RegExp per path template on every request, and parses a request (lodash clones) several
// times. This module routes and reads parameters instead, from tables built once at startup: a
// Map for static paths, precompiled patterns for templated ones. Semantics stay openapi-backend's:
// static paths win over templates, a path that exists with another method is a 405.
//
// Parameters are read strictly, here, once: a path parameter is percent-decoded exactly once
// (`/clients/pct%2541x` is client `pct%41x`; a malformed escape is a 400), and an integer or
// boolean parameter must be written canonically (`10`, `true`): `0x2`, `1e0`, `1.0` or `yes`
// are 400s, where Ajv's type coercion would have read them as numbers.
import type { OpenAPIBackend, Operation } from 'openapi-backend';
import { InvalidRequest } from './errors.ts';

interface Template {
  pattern: RegExp;
  names: string[];
  specificity: number;
  byMethod: Map<string, Operation>;
}

export interface RouteMatch {
  operation?: Operation;
  /** Methods the path supports, when it exists (for 405 and its Allow header). */
  allowed: string[];
  /** The operation's path parameters as they are in the path (still percent-encoded). */
  rawParams?: Record<string, string>;
}

const NO_PARAMS: Record<string, string> = Object.freeze({}) as Record<string, string>;

type ScalarType = 'integer' | 'boolean';
const CANONICAL: Record<ScalarType, RegExp> = { integer: /^-?(0|[1-9][0-9]*)$/, boolean: /^(true|false)$/ };

export class CompiledRouter {
  private readonly statics = new Map<string, Map<string, Operation>>();
  private readonly templates: Template[] = [];
  private readonly byId = new Map<string, Operation>();
  /** Integer and boolean parameters of each operation, by where they are ('path'/'query') and name. */
  private readonly scalars = new Map<Operation, Map<string, ScalarType>>();

  constructor(private readonly api: OpenAPIBackend, private readonly apiRoot: string) {
    const operations = api.router.getOperations();
    for (const op of operations) {
      this.byId.set(op.operationId!, op);
      this.scalars.set(op, scalarParameters(op));
      if (!op.path.includes('{')) {
        if (!this.statics.has(op.path)) this.statics.set(op.path, new Map());
        this.statics.get(op.path)!.set(op.method, op);
        continue;
      }
      const source = templateSource(op.path);
      let t = this.templates.find((x) => x.pattern.source === source);
      if (!t) {
        t = {
          pattern: new RegExp(source),
          names: [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]),
          specificity: op.path.replace(/\{[^}]+\}/g, '').length,
          byMethod: new Map(),
        };
        this.templates.push(t);
      }
      t.byMethod.set(op.method, op);
    }
    this.templates.sort((a, b) => b.specificity - a.specificity);

    // openapi-backend's validators look operations up by id when they compile: from the table.
    const router = api.router;
    router.getOperations = () => operations;
    router.getOperation = (id: string) => this.byId.get(id);
  }

  get operations(): Operation[] {
    return [...this.byId.values()];
  }

  /** Matches a method and a full request path (with the /api/v2 root, no query string). */
  match(method: string, fullPath: string): RouteMatch {
    const raw = fullPath.split('?')[0];
    if (raw !== this.apiRoot && !raw.startsWith(this.apiRoot + '/')) return { allowed: [] };
    const path = this.api.router.normalizePath(raw);
    const m = method.toLowerCase();
    const stat = this.statics.get(path);
    if (stat?.has(m)) return { operation: stat.get(m), allowed: [], rawParams: NO_PARAMS };
    const allowed = new Set(stat?.keys() ?? []);
    for (const t of this.templates) {
      const groups = t.pattern.exec(path);
      if (!groups) continue;
      const op = t.byMethod.get(m);
      if (op) {
        const rawParams: Record<string, string> = {};
        for (let i = 0; i < t.names.length; i++) rawParams[t.names[i]] = groups[i + 1];
        return { operation: op, allowed: [], rawParams };
      }
      for (const k of t.byMethod.keys()) allowed.add(k);
    }
    return { allowed: [...allowed].map((x) => x.toUpperCase()) };
  }

  /**
   * The operation's parameters, read strictly: path parameters (from match()) decoded once,
   * integers and booleans canonical (400 otherwise). `query` is the request's, one value per name.
   */
  parameters(operation: Operation, rawParams: Record<string, string>, query: Record<string, string>): { params: Record<string, string>; query: Record<string, string> } {
    const params = decodeParams(rawParams);
    this.checkScalars(operation, 'path', params);
    this.checkScalars(operation, 'query', query);
    return { params, query };
  }

  private checkScalars(operation: Operation, where: 'path' | 'query', values: Record<string, unknown>): void {
    const types = this.scalars.get(operation)!;
    for (const [name, value] of Object.entries(values)) {
      const type = types.get(`${where}:${name}`);
      if (type && typeof value === 'string' && !CANONICAL[type].test(value)) {
        throw new InvalidRequest(`${where === 'path' ? 'path' : 'query'} parameter '${name}' must be ${type === 'integer' ? 'a decimal integer' : "'true' or 'false'"}`);
      }
    }
  }
}

/** Path parameters, each percent-decoded once; a malformed escape is a 400. */
function decodeParams(raw: Record<string, string>): Record<string, string> {
  if (raw === NO_PARAMS) return {};
  const out: Record<string, string> = {};
  for (const name in raw) {
    try {
      out[name] = decodeURIComponent(raw[name]);
    } catch {
      throw new InvalidRequest(`path parameter '${name}' has a malformed percent-escape`);
    }
  }
  return out;
}

/** The integer and boolean parameters of an operation (openapi-backend has dereferenced them). */
function scalarParameters(op: Operation): Map<string, ScalarType> {
  const out = new Map<string, ScalarType>();
  for (const p of (op.parameters ?? []) as { in?: string; name?: string; schema?: { type?: unknown } }[]) {
    const type = p.schema?.type;
    if ((type === 'integer' || type === 'boolean') && (p.in === 'path' || p.in === 'query')) out.set(`${p.in}:${p.name}`, type);
  }
  return out;
}

function templateSource(path: string): string {
  const escaped = path.split(/\{[^}]+\}/).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return `^${escaped.join('([^/]+)')}$`;
}
