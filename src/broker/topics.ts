// MQTT topic rules (MQTT 5 §4.7, 3.1.1 §4.7): validation of names and filters, matching, and
// shared-subscription filters ($share/<group>/<filter>).

/** Longest topic name or filter, in UTF-8 bytes: MQTT's 2-byte length prefix. */
export const MAX_TOPIC_BYTES = 65535;

/** Why a topic name (for PUBLISH) is invalid, or undefined when it is valid. */
export function topicNameProblem(topic: string): string | undefined {
  if (topic.length === 0) return 'must not be empty';
  if (Buffer.byteLength(topic, 'utf8') > MAX_TOPIC_BYTES) return `must be at most ${MAX_TOPIC_BYTES} bytes`;
  if (/[+#]/.test(topic)) return 'must not contain wildcards (+ or #)';
  if (topic.includes('\u0000')) return 'must not contain the null character';
  if (!isWellFormed(topic)) return 'must be valid UTF-8';
  return undefined;
}

/** Why a topic filter (for SUBSCRIBE) is invalid, or undefined when it is valid. */
export function topicFilterProblem(filter: string): string | undefined {
  const text = filterTextProblem(filter);
  if (text) return text;
  const shared = parseShared(filter);
  if (filter.startsWith('$share/') && !shared) return "shared filters are '$share/<group>/<filter>' with a group without + # /";
  return levelsProblem(shared?.filter ?? filter);
}

/**
 * Why a filter taken as written is invalid: a `$share/<group>/` prefix is levels like any other
 * (the API's `_match_topic` on retained messages, which no shared subscription receives).
 */
export function plainTopicFilterProblem(filter: string): string | undefined {
  return filterTextProblem(filter) ?? levelsProblem(filter);
}

function filterTextProblem(filter: string): string | undefined {
  if (filter.length === 0) return 'must not be empty';
  if (Buffer.byteLength(filter, 'utf8') > MAX_TOPIC_BYTES) return `must be at most ${MAX_TOPIC_BYTES} bytes`;
  if (filter.includes('\u0000')) return 'must not contain the null character';
  if (!isWellFormed(filter)) return 'must be valid UTF-8';
  return undefined;
}

function levelsProblem(filter: string): string | undefined {
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i];
    if (l.includes('#') && (l !== '#' || i !== levels.length - 1)) return "'#' must be a whole last level";
    if (l.includes('+') && l !== '+') return "'+' must be a whole level";
  }
  return undefined;
}

function isWellFormed(s: string): boolean {
  // Lone surrogates cannot be encoded as UTF-8.
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

/** Does `filter` match the concrete `topic`? `$`-topics are not matched by a leading wildcard. */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

export interface SharedFilter {
  group: string;
  filter: string;
}

/** `$share/<group>/<filter>` → its parts; undefined when not a (well-formed) shared filter. */
export function parseShared(topic: string): SharedFilter | undefined {
  const m = /^\$share\/([^/+#]+)\/(.+)$/s.exec(topic);
  return m ? { group: m[1], filter: m[2] } : undefined;
}

/**
 * Aedes 2.0-beta refuses `$share/…` from MQTT 5 clients (0x9E) and would treat it as a literal
 * filter for MQTT 3. relaymq hands Aedes this internal form instead, so Aedes persists,
 * restores and acknowledges shared subscriptions like any other while delivering nothing to
 * them (no one publishes under `$relaymq/`); relaymq's SharedSubscriptions routes the messages.
 */
export const INTERNAL_SHARE_PREFIX = '$relaymq/share/';
/** A client's literal filter under `$relaymq/` is moved here and refused. */
export const INTERNAL_DENIED_PREFIX = '$relaymq/denied/';

export function toInternal(topic: string): string {
  if (topic.startsWith('$relaymq/')) return INTERNAL_DENIED_PREFIX + topic;
  return topic.startsWith('$share/') && parseShared(topic) ? INTERNAL_SHARE_PREFIX + topic.slice('$share/'.length) : topic;
}

export function fromInternal(topic: string): string {
  return topic.startsWith(INTERNAL_SHARE_PREFIX) ? '$share/' + topic.slice(INTERNAL_SHARE_PREFIX.length) : topic;
}
