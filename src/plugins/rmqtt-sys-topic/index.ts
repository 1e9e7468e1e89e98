// rmqtt-sys-topic: publishes the broker's state under `$SYS/brokers/<node id>/` every
// `publish_interval` — version, sysdescr, uptime, datetime (retained), stats and metrics
// (JSON) — and a message per client connection and disconnection under
// `$SYS/brokers/<node id>/clients/<clientid>/(connected|disconnected)`. Who may read them is
// up to the ACL (rmqtt-acl's default rules let only localhost and the `dashboard` user).
import { definePlugin } from '../plugin.ts';
import { duration } from '../../config/schema.ts';
import { parseDurationMs, parseDurationSeconds, formatDateTime } from '../../util/time.ts';
import type { PublishPacket } from 'aedes';

interface SysTopicConfig {
  publish_interval: string;
  publish_qos: 0 | 1 | 2;
  message_expiry_interval: string;
}

export default definePlugin<SysTopicConfig>({
  name: 'rmqtt-sys-topic',
  version: '0.1.0',
  descr: 'Broker state and client events on $SYS topics',
  immutable: false,
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      publish_interval: { ...duration, default: '1m' },
      publish_qos: { enum: [0, 1, 2], default: 1 },
      message_expiry_interval: { ...duration, default: '5m' },
    },
  },
  create(ctx) {
    let config: SysTopicConfig;
    let timer: NodeJS.Timeout | undefined;
    let off: (() => void)[] = [];
    let published = 0;
    const base = `$SYS/brokers/${ctx.config.broker.node.id}`;

    function publish(topic: string, payload: unknown, retain: boolean): void {
      const expiry = parseDurationSeconds(config.message_expiry_interval);
      const packet = {
        cmd: 'publish', topic, qos: config.publish_qos, retain, dup: false,
        payload: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)),
        ...(expiry > 0 ? { properties: { messageExpiryInterval: expiry } } : {}),
      } as PublishPacket;
      published++;
      ctx.broker.publish(packet, () => {});
    }

    async function publishState(): Promise<void> {
      const node = ctx.cluster.local();
      const info = await node.brokerInfo();
      publish(`${base}/version`, info.version, true);
      publish(`${base}/sysdescr`, info.sysdescr, true);
      publish(`${base}/uptime`, info.uptime, true);
      publish(`${base}/datetime`, info.datetime, true);
      publish(`${base}/stats`, await node.stats(), false);
      publish(`${base}/metrics`, await node.metrics(), false);
    }

    function schedule(): void {
      clearInterval(timer);
      timer = setInterval(() => void publishState().catch((err) => ctx.log.warn({ err }, 'rmqtt-sys-topic: publish failed')), parseDurationMs(config.publish_interval));
      timer.unref();
    }

    return {
      async start(c) {
        config = c;
        off = [
          ctx.hooks.on('client.connected', (e) => publish(`${base}/clients/${e.clientid}/connected`,
            { clientid: e.clientid, username: e.username ?? 'undefined', ipaddress: e.ip, proto_ver: e.proto_ver, node: ctx.config.broker.node.id, time: formatDateTime(Date.now()) }, false)),
          ctx.hooks.on('client.disconnected', (e) => publish(`${base}/clients/${e.clientid}/disconnected`,
            { clientid: e.clientid, username: e.username ?? 'undefined', reason: e.reason, node: ctx.config.broker.node.id, time: formatDateTime(Date.now()) }, false)),
        ];
        await publishState();
        schedule();
      },
      async stop() {
        clearInterval(timer);
        for (const f of off) f();
        off = [];
        return true;
      },
      async reload(c) {
        config = c;
        schedule();
      },
      attrs: () => ({ published }),
    };
  },
});
