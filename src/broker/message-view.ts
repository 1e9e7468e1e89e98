// A stored message as the API shows it (retained messages, a session's queue): the payload as
// UTF-8 text or base64, and its MQTT 5 properties in the API's snake_case names.
import type { StoredPacket } from '../persistence/codec.ts';

export type PayloadEncoding = 'plain' | 'base64';

export interface MessageView {
  topic: string;
  payload: string;
  encoding: PayloadEncoding;
  qos: 0 | 1 | 2;
  properties: Record<string, unknown>;
}

const fatal = new TextDecoder('utf-8', { fatal: true });

export function messageView(p: StoredPacket, encoding: PayloadEncoding): MessageView {
  const payload = Buffer.isBuffer(p.payload) ? p.payload : Buffer.from(p.payload ?? '');
  let text: string | undefined;
  if (encoding === 'plain') {
    try {
      text = fatal.decode(payload);
    } catch {
      text = undefined; // not UTF-8: base64 after all, as `encoding` then says
    }
  }
  return {
    topic: p.topic ?? '', // a QoS 2 message past PUBREC is stored as its PUBREL: no topic
    payload: text ?? payload.toString('base64'),
    encoding: text === undefined ? 'base64' : 'plain',
    qos: p.qos,
    properties: propertiesView(p.properties),
  };
}

/** Seconds left before the message expires (rounded up), or null when it never does. */
export function expiresIn(p: StoredPacket, now = Date.now()): number | null {
  return p.messageExpiry === undefined ? null : Math.max(0, Math.ceil((p.messageExpiry - now) / 1000));
}

const NAMES: Record<string, string> = {
  payloadFormatIndicator: 'payload_format_indicator', messageExpiryInterval: 'message_expiry_interval',
  contentType: 'content_type', responseTopic: 'response_topic', correlationData: 'correlation_data',
  userProperties: 'user_properties',
};

function propertiesView(props: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(props ?? {})) {
    const key = NAMES[name];
    if (!key || value === undefined) continue;
    if (name === 'payloadFormatIndicator') out[key] = Number(value);
    else if (name === 'correlationData') out[key] = Buffer.from(value as Uint8Array).toString('base64');
    else out[key] = value;
  }
  return out;
}
