// Reads a store written by relaymq 0.1 (aedes-persistence-level under the `mqtt` sublevel,
// msgpack values; session records as JSON under `sessions`) and rewrites it in the current
// format, in one atomic batch, on the first start of this version. Nothing queued is lost: old
// queue entries keep their order (their key order was the old delivery order) and get fresh,
// never-repeating sequence numbers. The old keys `outgoing-id:…` only duplicated queue entries.
import type { ClassicLevel } from 'classic-level';
import { Keys, encodePacket, encodeRecord, toStoredPacket } from './codec.ts';
import type { WriteOp } from './backend.ts';

const OLD_MQTT = '!mqtt!';
const OLD_SESSIONS = '!sessions!';

export interface MigrationReport {
  queued: number;
  retained: number;
  subscriptions: number;
  incoming: number;
  wills: number;
  sessions: number;
}

/** Migrates the old format in place, if present; returns what was carried over, or undefined. */
export async function migrateLegacyStore(db: ClassicLevel<string, Buffer>): Promise<MigrationReport | undefined> {
  const ops: WriteOp[] = [];
  const report: MigrationReport = { queued: 0, retained: 0, subscriptions: 0, incoming: 0, wills: 0, sessions: 0 };
  let seq = await highestQueueSeq(db);
  let decode: ((buf: Buffer) => unknown) | undefined;
  // '!' sorts before every key of the current format, so the old keys come first.
  for await (const [key, value] of db.iterator({ lt: '"', keyEncoding: 'utf8', valueEncoding: 'buffer' })) {
    ops.push({ type: 'del', key });
    if (key.startsWith(OLD_SESSIONS)) {
      const rec = JSON.parse(value.toString('utf8')) as { clientid: string };
      ops.push({ type: 'put', key: Keys.session(rec.clientid), value: encodeRecord(rec) });
      report.sessions++;
      continue;
    }
    if (!key.startsWith(OLD_MQTT)) continue;
    const [kind, ...parts] = key.slice(OLD_MQTT.length).split(':');
    if (kind === 'outgoing-id') continue;
    // msgpack is needed only here, once per old store: not loaded at every start.
    decode ??= (await import('msgpack-lite')).default.decode;
    const decoded = decode(value) as Record<string, unknown>;
    switch (kind) {
      case 'retained': {
        const p = toStoredPacket(decoded);
        ops.push({ type: 'put', key: Keys.retained(p.topic), value: encodePacket(p) });
        report.retained++;
        break;
      }
      case 'subscriptions': {
        const { clientId, topic, ...sub } = decoded as { clientId: string; topic: string };
        ops.push({ type: 'put', key: Keys.subscription(clientId, topic), value: encodeRecord(withoutNulls(sub)) });
        report.subscriptions++;
        break;
      }
      case 'outgoing': {
        const p = toStoredPacket(decoded);
        ops.push({ type: 'put', key: Keys.queue(decodeURIComponent(parts[0]), ++seq), value: encodePacket(p) });
        report.queued++;
        break;
      }
      case 'incoming': {
        const p = toStoredPacket(decoded);
        ops.push({ type: 'put', key: Keys.incoming(decodeURIComponent(parts[0]), p.messageId!), value: encodePacket(p) });
        report.incoming++;
        break;
      }
      case 'will': {
        const p = toStoredPacket(decoded);
        ops.push({ type: 'put', key: Keys.will(decodeURIComponent(parts[0])), value: encodePacket(p) });
        report.wills++;
        break;
      }
      default:
    }
  }
  if (ops.length === 0) return undefined;
  await db.batch(ops, { sync: true });
  return report;
}

async function highestQueueSeq(db: ClassicLevel<string, Buffer>): Promise<number> {
  let max = 0;
  for await (const key of db.keys({ gte: 'q/', lt: 'q0', keyEncoding: 'utf8' })) max = Math.max(max, Number(key.slice(key.lastIndexOf('/') + 1)));
  return max;
}

/** msgpack turns absent fields into null; the store's records leave them out. */
function withoutNulls(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));
}
