// Handler types, derived from the generated contract (generated/openapi.d.ts): a handler for
// operation K receives K's path/query parameters and body and returns K's success payload.
import type { components, operations } from '../../generated/openapi.js';
import type { Cluster } from '../broker/cluster.ts';
import type { HttpApiConfig } from '../plugins/rmqtt-http-api/index.ts';
import type { Logger } from '../util/log.ts';
import type { StreamingReply } from './streaming.ts';

export type OperationId = keyof operations;

type Params<K extends OperationId, In extends string> =
  operations[K]['parameters'] extends { [P in In]?: infer X } ? NonNullable<X> : Record<string, never>;
type Body<K extends OperationId> =
  operations[K] extends { requestBody: { content: { 'application/json': infer B } } } ? B : undefined;
type Ok<K extends OperationId> = operations[K]['responses'][200]['content'];

/** The `data` of K's 200 envelope; for operations without the envelope, their body itself. */
export type SuccessData<K extends OperationId> =
  Ok<K> extends { 'application/json': { data?: infer D } } ? NonNullable<D> :
  Ok<K> extends { 'application/json': infer J } ? J :
  Ok<K> extends { 'text/event-stream': unknown } ? StreamingReply :
  Ok<K> extends Record<string, infer Raw> ? Raw : never; // text/plain, application/yaml, text/html…

export interface ApiRequest<K extends OperationId> {
  params: Params<K, 'path'>;
  query: Params<K, 'query'>;
  body: Body<K>;
  /** The response beyond its body: headers such as X-Next-Cursor. */
  reply: ReplyHeaders;
}

export interface ReplyHeaders {
  header(name: string, value: string): void;
}

/** What handlers may use. Settings are read per request, so a reload applies at once. */
export interface ApiContext {
  cluster: Cluster;
  settings: () => HttpApiConfig;
  /** The bearer token every request must carry; undefined: none (then loopback clients only). */
  bearerToken: () => string | undefined;
  /** Filters one subscribe request may carry (the broker's `mqtt.max_topic_filters_per_subscribe`). */
  maxTopicFiltersPerSubscribe: number;
  log: Logger;
  /** The endpoint list derived from the spec, for GET /api/v2. */
  endpoints: components['schemas']['ApiEndpoint'][];
}

export type Handler<K extends OperationId> = (req: ApiRequest<K>, ctx: ApiContext) => Promise<SuccessData<K>>;
export type Handlers = { [K in OperationId]: Handler<K> };
