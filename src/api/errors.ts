// Every error the API can return, declared once with its HTTP status and message, and thrown
// by name (`throw new NodeNotFound(7)`). The server turns any ApiError into the envelope
// {"code": <status>, "msg": <message>, "data": null}; anything else becomes a logged 500.

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function defineError<A extends unknown[]>(name: string, status: number, format: (...args: A) => string) {
  const cls = class extends ApiError {
    constructor(...args: A) {
      super(status, format(...args));
    }
  };
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
}

export const InvalidRequest = defineError('InvalidRequest', 400, (reason: string) => reason);
export const MalformedRequest = defineError('MalformedRequest', 400, (reason: string) => `malformed HTTP request: ${reason}`);
export const MalformedJson = defineError('MalformedJson', 400, (reason: string) => `request body is not valid JSON: ${reason}`);
export const Unauthorized = defineError('Unauthorized', 401, () => 'missing or invalid bearer token');
export const LoopbackOnly = defineError('LoopbackOnly', 401, () =>
  'no http_bearer_token is configured, so the API answers only clients on this machine; set http_bearer_token in '
  + 'etc/plugins/rmqtt-http-api.toml (or RELAYMQ_HTTP_BEARER_TOKEN) and send it as "Authorization: Bearer <token>"');
export const RequestTimeout = defineError('RequestTimeout', 408, () => 'the request was not received in time');
export const HeadersTooLarge = defineError('HeadersTooLarge', 431, (limit: number) => `request headers exceed ${limit} bytes`);
export const RouteNotFound = defineError('RouteNotFound', 404, (path: string) => `no endpoint at '${path}'`);
export const NodeNotFound = defineError('NodeNotFound', 404, (node: number) => `node '${node}' not found`);
export const ClientNotFound = defineError('ClientNotFound', 404, (clientid: string) => `client '${clientid}' not found`);
export const RetainedNotFound = defineError('RetainedNotFound', 404, (topic: string) => `no retained message on topic '${topic}'`);
export const BanNotFound = defineError('BanNotFound', 404, (as: string, who: string) => `no ban in force on ${as} '${who}'`);
export const PluginNotFound = defineError('PluginNotFound', 404, (plugin: string) => `plugin '${plugin}' not found`);
export const MethodNotAllowed = defineError('MethodNotAllowed', 405,
  (method: string, path: string) => `method ${method} is not allowed on '${path}'`);
export const PayloadTooLarge = defineError('PayloadTooLarge', 413, (limit: number) => `request body exceeds ${limit} bytes`);
export const UnsupportedMediaType = defineError('UnsupportedMediaType', 415,
  (got: string) => `content-type must be application/json, got '${got}'`);
export const InternalError = defineError('InternalError', 500, () => 'internal server error');
export const ServiceUnavailable = defineError('ServiceUnavailable', 503, (reason: string) => reason);
