// openapi-backend recomputes its operation list (lodash over the whole document) and compiles a
// RegExp per path template on every request. This module replaces its router's lookups by
// tables built once at startup: a Map for static paths, precompiled patterns for templated
// ones. Semantics stay openapi-backend's: static paths win over templates, a path that exists
// with another method is a 405. It also URL-decodes path parameters (`/routes/foo%2F1` → `foo/1`),
// which openapi-backend leaves encoded.
import type { OpenAPIBackend, Operation, Request } from 'openapi-backend';

interface Template {
  pattern: RegExp;
  specificity: number;
  byMethod: Map<string, Operation>;
}

export interface RouteMatch {
  operation?: Operation;
  /** Methods the path supports, when it exists (for 405 and its Allow header). */
  allowed: string[];
}

export class CompiledRouter {
  private readonly statics = new Map<string, Map<string, Operation>>();
  private readonly templates: Template[] = [];
  private readonly byId = new Map<string, Operation>();

  constructor(private readonly api: OpenAPIBackend, private readonly apiRoot: string) {
    const operations = api.router.getOperations();
    for (const op of operations) {
      this.byId.set(op.operationId!, op);
      if (!op.path.includes('{')) {
        if (!this.statics.has(op.path)) this.statics.set(op.path, new Map());
        this.statics.get(op.path)!.set(op.method, op);
        continue;
      }
      let t = this.templates.find((x) => x.pattern.source === templateSource(op.path));
      if (!t) {
        t = { pattern: new RegExp(templateSource(op.path)), specificity: op.path.replace(/\{[^}]+\}/g, '').length, byMethod: new Map() };
        this.templates.push(t);
      }
      t.byMethod.set(op.method, op);
    }
    this.templates.sort((a, b) => b.specificity - a.specificity);

    const router = api.router;
    router.getOperations = () => operations;
    router.getOperation = (id: string) => this.byId.get(id);
    router.matchOperation = ((req: Request, strict?: boolean) => {
      const m = this.match(req.method, req.path);
      if (m.operation) return m.operation;
      if (!strict) return undefined;
      throw new Error(m.allowed.length ? '405-methodNotAllowed' : '404-notFound');
    }) as typeof router.matchOperation;
    const parse = router.parseRequest.bind(router);
    router.parseRequest = ((req: Request & { params?: Record<string, unknown> }, operation?: Operation) => {
      const parsed = parse(req, operation);
      if (req.params) {
        // A request re-parsed after validation carries the coerced (and already decoded)
        // params; openapi-backend would re-derive them from the path as strings.
        parsed.params = req.params as typeof parsed.params;
        return parsed;
      }
      for (const [k, v] of Object.entries(parsed.params)) {
        if (typeof v === 'string') parsed.params[k] = safeDecode(v);
      }
      return parsed;
    }) as typeof router.parseRequest;
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
    if (stat?.has(m)) return { operation: stat.get(m), allowed: [] };
    const allowed = new Set(stat?.keys() ?? []);
    for (const t of this.templates) {
      if (!t.pattern.test(path)) continue;
      const op = t.byMethod.get(m);
      if (op) return { operation: op, allowed: [] };
      for (const k of t.byMethod.keys()) allowed.add(k);
    }
    return { allowed: [...allowed].map((x) => x.toUpperCase()) };
  }
}

function templateSource(path: string): string {
  const escaped = path.split(/\{[^}]+\}/).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return `^${escaped.join('[^/]+')}$`;
}

/** decodeURIComponent that leaves a malformed escape as it is (validation then sees the raw text). */
function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
