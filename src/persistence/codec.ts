// How records are written to disk: every value carries a format byte and a CRC-32 of what
// follows it, so a damaged record is detected when it is read (classic-level exposes neither
// LevelDB's paranoid_checks nor verify_checksums, and an uncompressed block can be damaged
// silently). A value is [format 1][crc32 4][json length 4][json][raw bytes]; a packet keeps its
// payload as the raw bytes, so payloads are stored as they are, never re-encoded.
import { crc32 } from 'node:zlib';

const FORMAT = 1;
const HEADER = 9;

export class CorruptRecord extends Error {
  override name = 'CorruptRecord';
}

/** JSON with Buffers (MQTT 5 correlation data, authentication data) as {"$b": base64}. */
function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  return Buffer.isBuffer(raw) ? { $b: raw.toString('base64') } : value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && typeof (value as { $b?: unknown }).$b === 'string' && Object.keys(value).length === 1) {
    return Buffer.from((value as { $b: string }).$b, 'base64');
  }
  return value;
}

export function encodeRecord(fields: object, raw: Buffer = EMPTY): Buffer {
  return frame(JSON.stringify(fields, replacer), raw);
}

/**
 * encodeRecord for fields that are plain JSON, with no Buffer anywhere (session records): the
 * same bytes, several times faster, as JSON.stringify with a replacer calls it for every key.
 */
export function encodePlainRecord(fields: object): Buffer {
  return frame(JSON.stringify(fields), EMPTY);
}

function frame(text: string, raw: Buffer): Buffer {
  const json = Buffer.from(text, 'utf8');
  const out = Buffer.allocUnsafe(HEADER + json.length + raw.length);
  out[0] = FORMAT;
  out.writeUInt32BE(json.length, 5);
  json.copy(out, HEADER);
  raw.copy(out, HEADER + json.length);
  out.writeUInt32BE(crc32(out.subarray(5)), 1);
  return out;
}

export function decodeRecord(value: Buffer): { fields: Record<string, unknown>; raw: Buffer } {
  if (value.length < HEADER || value[0] !== FORMAT) throw new CorruptRecord('unknown record format');
  if (crc32(value.subarray(5)) !== value.readUInt32BE(1)) throw new CorruptRecord('checksum mismatch');
  const jsonLength = value.readUInt32BE(5);
  if (HEADER + jsonLength > value.length) throw new CorruptRecord('truncated record');
  let fields: Record<string, unknown>;
  try {
    fields = JSON.parse(value.toString('utf8', HEADER, HEADER + jsonLength), reviver);
  } catch {
    throw new CorruptRecord('unreadable record');
  }
  // A copy: the record buffer from LevelDB may be reused.
  return { fields, raw: Buffer.from(value.subarray(HEADER + jsonLength)) };
}

const EMPTY = Buffer.alloc(0);

/**
 * A PUBLISH or PUBREL as the store keeps it: the fields it was given (aedes-packet's, plus
 * whatever else the caller put there), so that what is read back equals what was stored.
 */
export interface StoredPacket {
  cmd?: 'publish' | 'pubrel';
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain?: boolean;
  dup?: boolean;
  messageId?: number;
  brokerId?: string;
  brokerCounter?: number;
  clientId?: string;
  messageExpiry?: number;
  properties?: Record<string, unknown>;
  nl?: boolean;
  [field: string]: unknown;
}

/**
 * A plain copy of the packet's own fields (never the caller's object, which Aedes reuses):
 * functions, symbols and empty (null/undefined) fields are left out.
 */
export function toStoredPacket(packet: object): StoredPacket {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(packet)) {
    if (v === undefined || v === null || typeof v === 'function') continue;
    out[k] = k === 'payload' && v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v) : v;
  }
  return out as StoredPacket;
}

export function encodePacket(packet: StoredPacket): Buffer {
  const { payload, ...fields } = packet as { payload?: Buffer | string };
  // The payload goes as the raw bytes; `$payload` says there was one (a PUBREL has none) and
  // whether it was given as bytes or as a string, so that it reads back as it was given.
  if (payload === undefined) return encodeRecord(fields);
  if (typeof payload === 'string') return encodeRecord({ ...fields, $payload: 'utf8' }, Buffer.from(payload, 'utf8'));
  return encodeRecord({ ...fields, $payload: 'bytes' }, payload);
}

export function decodePacket(value: Buffer): StoredPacket {
  const { fields, raw } = decodeRecord(value);
  const { $payload, ...rest } = fields;
  if ($payload === 'utf8') return { ...rest, payload: raw.toString('utf8') } as unknown as StoredPacket;
  return ($payload ? { ...rest, payload: raw } : rest) as StoredPacket;
}

/**
 * Keys. Client ids are URI-encoded so that `/` separates the parts unambiguously; topics are
 * the last part and kept as they are. Queue entries are numbered by a store-wide sequence
 * that only grows (it is restored from the highest stored number), so no two ever share a key.
 */
export const Keys = {
  queue: (clientId: string, seq: number) => `q/${encodeURIComponent(clientId)}/${String(seq).padStart(16, '0')}`,
  retained: (topic: string) => `r/${topic}`,
  subscription: (clientId: string, topic: string) => `s/${encodeURIComponent(clientId)}/${topic}`,
  incoming: (clientId: string, messageId: number) => `i/${encodeURIComponent(clientId)}/${String(messageId).padStart(5, '0')}`,
  will: (clientId: string) => `w/${encodeURIComponent(clientId)}`,
  session: (clientId: string) => `c/${encodeURIComponent(clientId)}`,
  meta: (name: string) => `m/${name}`,
  ban: (as: string, who: string) => `b/${as}/${encodeURIComponent(who)}`,
};

export type KeyKind = 'queue' | 'retained' | 'subscription' | 'incoming' | 'will' | 'session' | 'meta' | 'ban';
const KINDS: Record<string, KeyKind> = { q: 'queue', r: 'retained', s: 'subscription', i: 'incoming', w: 'will', c: 'session', m: 'meta', b: 'ban' };

/** A key split into its kind, client id (when it has one) and the rest. */
export function parseKey(key: string): { kind: KeyKind; clientId: string; rest: string } | undefined {
  const kind = KINDS[key[0]];
  if (!kind || key[1] !== '/') return undefined;
  const body = key.slice(2);
  if (kind === 'retained' || kind === 'meta' || kind === 'ban') return { kind, clientId: '', rest: body };
  const slash = body.indexOf('/');
  const encoded = slash < 0 ? body : body.slice(0, slash);
  try {
    return { kind, clientId: decodeURIComponent(encoded), rest: slash < 0 ? '' : body.slice(slash + 1) };
  } catch {
    return undefined;
  }
}
