// What an operator reads in the log at `info`: one structured line per client connect and
// disconnect (with its reason), authentication refusal, publish or subscribe denial, and kick.
// Listeners are added only when `info` is enabled: at the default `warn` level nothing runs.
import type { BrokerHooks } from './hooks.ts';
import type { Logger } from '../util/log.ts';

export function logBrokerEvents(hooks: BrokerHooks, log: Logger): void {
  if (!log.isLevelEnabled('info')) return;
  const mqtt = log.child({ component: 'mqtt' });
  hooks.on('client.connected', (e) => mqtt.info({ clientid: e.clientid, username: e.username, ip: e.ip, proto_ver: e.proto_ver }, 'client connected'));
  hooks.on('client.disconnected', (e) => mqtt.info({ clientid: e.clientid, username: e.username, reason: e.reason }, 'client disconnected'));
  hooks.on('client.connack', (e) => {
    if (e.authError) mqtt.info({ clientid: e.clientid, username: e.username, code: e.code }, 'authentication refused');
  });
  hooks.on('client.publish.check', (e) => { if (!e.allowed) mqtt.info({ clientid: e.clientid, topic: e.topic }, 'publish denied'); });
  hooks.on('client.subscribe.check', (e) => { if (!e.allowed) mqtt.info({ clientid: e.clientid, filter: e.filter }, 'subscribe denied'); });
  hooks.on('session.terminated', (e) => { if (e.reason === 'kicked') mqtt.info({ clientid: e.clientid }, 'client kicked'); });
}
