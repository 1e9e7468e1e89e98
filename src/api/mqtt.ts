// Tag "mqtt": publish, subscribe and unsubscribe on behalf of clients.
import type { PublishPacket } from 'aedes';
import type { Handler } from './types.ts';
import { ClientNotFound, InvalidRequest } from './errors.ts';
import { firstFromNodes } from './limits.ts';
import { topicNameProblem } from '../broker/topics.ts';
import { parseDurationSeconds } from '../util/time.ts';
import type { Qos } from '../broker/sessions.ts';

/** `topic` as given, and the comma-separated `topics` trimmed, without empties or repeats. */
function topicList(body: { topic?: string; topics?: string }): string[] {
  const listed = (body.topics?.split(',') ?? []).map((t) => t.trim()).filter((t) => t.length > 0);
  const all = body.topic === undefined ? listed : [body.topic, ...listed];
  if (all.length === 0) throw new InvalidRequest("request body must name at least one topic in 'topic' or 'topics'");
  return [...new Set(all)];
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export const publish: Handler<'publish'> = async (req, ctx) => {
  const body = req.body;
  const topics = topicList(body);
  for (const t of topics) {
    const problem = topicNameProblem(t);
    if (problem) throw new InvalidRequest(`topic '${t}' ${problem}`);
  }
  if (body.encoding === 'base64' && !BASE64.test(body.payload)) throw new InvalidRequest("request body property 'payload' is not valid base64");
  const payload = Buffer.from(body.payload, body.encoding === 'base64' ? 'base64' : 'utf8');

  const p = body.properties ?? {};
  const expiry = p.message_expiry_interval ?? parseDurationSeconds(ctx.settings().message_expiry_interval);
  const properties: NonNullable<PublishPacket['properties']> = {};
  if (expiry > 0) properties.messageExpiryInterval = expiry;
  if (p.user_properties) properties.userProperties = p.user_properties;
  if (p.content_type !== undefined) properties.contentType = p.content_type;
  if (p.response_topic !== undefined) properties.responseTopic = p.response_topic;
  if (p.correlation_data !== undefined) properties.correlationData = Buffer.from(p.correlation_data, 'utf8');
  if (p.payload_format_indicator !== undefined) properties.payloadFormatIndicator = p.payload_format_indicator === 1;

  await ctx.cluster.local().publish({
    topics, payload, properties,
    qos: (body.qos ?? 0) as Qos,
    retain: body.retain ?? false,
    clientid: body.clientid ?? 'system',
  });
  return 'ok';
};

export const subscribe: Handler<'subscribe'> = async (req, ctx) => {
  const filters = topicList(req.body);
  const max = ctx.maxTopicFiltersPerSubscribe;
  if (filters.length > max) throw new InvalidRequest(`at most ${max} topic filters per subscribe (mqtt.max_topic_filters_per_subscribe); got ${filters.length}`);
  const result = await firstFromNodes(ctx, (node) => node.subscribe(req.body.clientid, filters, (req.body.qos ?? 0) as Qos));
  if (!result) throw new ClientNotFound(req.body.clientid);
  return result;
};

export const unsubscribe: Handler<'unsubscribe'> = async (req, ctx) => {
  const removed = await firstFromNodes(ctx, (node) => node.unsubscribe(req.body.clientid, req.body.topic));
  if (removed === undefined) throw new ClientNotFound(req.body.clientid);
  return removed;
};
