// openapi-backend, set up once from spec/openapi.yaml: request validation with Ajv 2020 (the
// dialect of OpenAPI 3.1), a 3.1-aware definition check (for the tests), the precompiled
// router, and the handlers bound by operationId (dispatched here, not through openapi-backend).
// Authentication is the server's (access.ts), before routing. It knows nothing about MQTT.
import { OpenAPIBackend, type Document, type Operation } from 'openapi-backend';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { ErrorObject, Options as AjvOptions } from 'ajv';
import { CompiledRouter } from './router.ts';
import { InvalidRequest } from './errors.ts';
import type { ApiContext, Handlers } from './types.ts';

export const API_ROOT = '/api/v2';

export interface Reply {
  status: number;
  /** JSON payload for the envelope's `data`, or the raw text of an operation answering without one. */
  data: unknown;
  /** Set for an operation answering without the envelope (Prometheus text, the spec itself). */
  contentType?: string;
  /** Response headers the handler set (X-Next-Cursor…). */
  headers: Record<string, string>;
}

/**
 * The Content-Type of an operation that answers without the envelope, or undefined: one whose
 * 200 response is not JSON (Prometheus text), or marked `x-raw: true` (the spec as JSON).
 */
function rawContentType(op: Operation): string | undefined {
  const media = Object.keys((op.responses?.['200'] as { content?: Record<string, unknown> })?.content ?? {})[0];
  if (!media || (media === 'application/json' && !(op as { 'x-raw'?: boolean })['x-raw'])) return undefined;
  return media === 'text/plain' ? 'text/plain; version=0.0.4; charset=utf-8' : `${media}; charset=utf-8`;
}

export interface ApiBackend {
  api: OpenAPIBackend;
  router: CompiledRouter;
  endpoints: ApiContext['endpoints'];
  /**
   * Handles a routed request: the parameters are read strictly (router.ts), validated and
   * coerced by openapi-backend's precompiled validators of the operation, and given to the
   * handler bound to its operationId. Each step runs once per request, where
   * openapi-backend's own handleRequest routes twice and parses three times.
   */
  dispatch(operation: Operation, request: ParsedRequest, ctx: ApiContext): Promise<Reply>;
}

export interface ParsedRequest {
  path: string;
  /** The path parameters as the router found them (still percent-encoded). */
  rawParams: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  /** The JSON body, or undefined when there is none. */
  body: unknown;
}

function newAjv(opts: AjvOptions) {
  // allErrors + verbose: an if/then failure reports its `if` with its schema, which
  // describeValidation reads (bodies are at most 1 MiB, so collecting every error is bounded).
  // validateSchema: false: an operation's first request does not compile the 2020-12
  // meta-schema (30 ms) to re-check schemas validateOpenApi31 checks in the tests.
  const ajv = new Ajv2020({ validateSchema: false, ...opts, strict: false, allErrors: true, verbose: true });
  addFormats.default(ajv);
  return ajv;
}

/**
 * openapi-backend checks documents against the OpenAPI 3.0 meta-schema, which rejects 3.1
 * constructs such as `type: [string, "null"]`. Instead: require 3.1 and check that every
 * component schema is a valid JSON Schema 2020-12 that compiles.
 */
export function validateOpenApi31(doc: Document): void {
  if (!/^3\.1\.\d+$/.test(String(doc.openapi))) throw new Error(`spec: expected OpenAPI 3.1.x, got '${doc.openapi}'`);
  const ajv = newAjv({ validateSchema: true });
  ajv.addSchema({ ...doc, $id: 'spec' } as object, 'spec');
  for (const name of Object.keys(doc.components?.schemas ?? {})) {
    try {
      ajv.compile({ $ref: `spec#/components/schemas/${name}` });
    } catch (e) {
      throw new Error(`spec: schema '${name}' is invalid: ${(e as Error).message}`);
    }
  }
}

/** Builds and initializes the backend; fails if any spec operation has no handler. */
export async function createBackend(definition: Document, handlers: Partial<Handlers>): Promise<ApiBackend> {
  const api = new OpenAPIBackend({
    // openapi-backend dereferences the document in place: give it its own copy.
    definition: structuredClone(definition),
    apiRoot: API_ROOT,
    strict: true,
    validate: true,
    coerceTypes: true,
    // Validators are compiled for each operation when it is first called, not all at start-up
    // (seconds of CPU); the shipped spec is checked by the tests (validateOpenApi31, lint:spec).
    quick: true,
    customizeAjv: (_ajv, opts) => newAjv(opts),
  });
  await api.init();
  const router = new CompiledRouter(api, API_ROOT);

  const missing = router.operations.map((o) => o.operationId!).filter((id) => !(id in handlers));
  if (missing.length) throw new Error(`spec operations without a handler: ${missing.join(', ')}`);

  // Each operation's handler, and the Content-Type it answers with when not in the envelope.
  const bound = new Map(router.operations.map((op) => [op.operationId!, {
    handler: handlers[op.operationId as keyof Handlers] as (req: unknown, ctx: ApiContext) => Promise<unknown>,
    contentType: rawContentType(op),
  }]));
  const endpoints = router.operations.map((op) => ({
    path: op.path, name: op.operationId!, method: op.method.toUpperCase() as ApiContext['endpoints'][number]['method'], descr: op.summary ?? '',
  }));
  const dispatch = async (operation: Operation, request: ParsedRequest, ctx: ApiContext): Promise<Reply> => {
    const { params, query } = router.parameters(operation, request.rawParams, request.query);
    const id = operation.operationId!;
    // The validators coerce (Ajv coerceTypes) the values in place: "10" becomes 10.
    const parameters: Record<string, unknown> = { path: params, query, header: request.headers };
    if (request.body !== undefined) parameters.requestBody = request.body;
    const errors: ErrorObject[] = [];
    for (const validate of api.validator.getRequestValidatorsForOperation(id) ?? []) {
      if (!validate(parameters) && validate.errors) errors.push(...validate.errors);
    }
    if (errors.length) throw new InvalidRequest(describeValidation(errors));
    const { handler, contentType } = bound.get(id)!;
    const headers: Record<string, string> = {};
    const reply = { header: (name: string, value: string) => { headers[name] = value; } };
    return { status: 200, data: await handler({ params, query, body: request.body, reply }, ctx), contentType, headers };
  };
  return { api, router, endpoints, dispatch };
}

/** One sentence naming the bad field, from openapi-backend's Ajv errors (/path, /query, /requestBody). */
export function describeValidation(errors: ErrorObject[]): string {
  // `if: {properties: {a: false}}, then: {required: [b]}` is the spec's "a and/or b".
  const cond = errors.find((e) => e.keyword === 'if');
  const ifProps = (cond?.parentSchema as { if?: { properties?: Record<string, unknown> } } | undefined)?.if?.properties;
  const alternative = Object.keys(ifProps ?? {}).filter((k) => ifProps![k] === false);
  if (cond && alternative.length) {
    const then = errors.filter((e) => e.keyword === 'required' && e.instancePath === cond.instancePath)
      .map((e) => (e.params as { missingProperty: string }).missingProperty);
    return `${where(cond.instancePath)} must contain ${[...alternative, ...then].map((p) => `'${p}'`).join(' or ')}`;
  }
  const e = errors[0];
  if (!e) return 'invalid request';
  const at = where(e.instancePath);
  switch (e.keyword) {
    case 'required': {
      const prop = (e.params as { missingProperty: string }).missingProperty;
      return e.instancePath === '' && prop === 'requestBody' ? 'request body is required' : `${at}: missing required property '${prop}'`;
    }
    case 'additionalProperties':
      return `${at}: unknown property '${(e.params as { additionalProperty: string }).additionalProperty}'`;
    case 'enum':
      return `${at} must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return `${at} ${e.message}`;
  }
}

function where(instancePath: string): string {
  const [, section, ...rest] = instancePath.split('/');
  const name = rest.map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')).join('.');
  switch (section) {
    case 'path': return `path parameter '${name}'`;
    case 'query': return `query parameter '${name}'`;
    case 'header': return `header '${name}'`;
    case 'requestBody': return name ? `request body property '${name}'` : 'request body';
    default: return 'request';
  }
}
