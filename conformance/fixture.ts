// Realistic broker state for the fuzzer: MQTT 3.1.1 and 5 clients with persistent and clean
// sessions, plain and shared subscriptions, retained messages, messages queued for an offline
// session, and traffic flowing for as long as the run lasts. Clients reconnect when the
// fuzzer kicks them.
import mqtt, { type MqttClient } from 'mqtt';

export interface Fixture {
  topics: string[];
  stop(): Promise<void>;
}

const opts = { reconnectPeriod: 300, connectTimeout: 5000 } as const;

export async function startFixture(mqttUrl: string): Promise<Fixture> {
  const clients: MqttClient[] = [];
  const connect = async (o: mqtt.IClientOptions) => {
    const c = await mqtt.connectAsync(mqttUrl, { ...opts, ...o });
    c.on('error', () => {});
    clients.push(c);
    return c;
  };
  // an offline persistent MQTT 3.1.1 session with queued messages
  const sleeper = await mqtt.connectAsync(mqttUrl, { clientId: 'fx-v3-offline', protocolVersion: 4, clean: false, reconnectPeriod: 0 });
  await sleeper.subscribeAsync('fx/+/temp', { qos: 1 });
  await sleeper.endAsync();

  const v5 = await connect({ clientId: 'fx-v5-persistent', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 3600 }, username: 'fx-user' });
  await v5.subscribeAsync({ 'fx/#': { qos: 2 }, '$share/fx-group/fx/+/temp': { qos: 1 } });
  const v3 = await connect({ clientId: 'fx-v3-clean', protocolVersion: 4, clean: true, will: { topic: 'fx/will', payload: Buffer.from('gone'), qos: 1, retain: false } });
  await v3.subscribeAsync({ 'fx/a': { qos: 0 }, '$share/fx-group/fx/+/temp': { qos: 1 } });
  const ws = await connect({ clientId: 'fx-v5-ws', protocolVersion: 5, clean: true });
  await ws.subscribeAsync('fx/+/temp', { qos: 1 });

  const pub = await connect({ clientId: 'fx-publisher', protocolVersion: 5 });
  await pub.publishAsync('fx/retained/1', 'kept', { qos: 1, retain: true });
  await pub.publishAsync('fx/retained/2', 'kept too', { qos: 0, retain: true });
  // enough retained messages for the fuzzer to read and remove many (each removal takes one)
  for (let i = 3; i <= 40; i++) await pub.publishAsync(`fx/retained/${i}`, Buffer.from([0xff, i]), { qos: 0, retain: true });
  let n = 0;
  const traffic = setInterval(() => {
    if (pub.connected) pub.publish(`fx/${n % 5}/temp`, String(n), { qos: (n % 2) as 0 | 1 });
    n++;
  }, 100);
  traffic.unref();

  return {
    topics: ['fx/0/temp', 'fx/a', 'fx/retained/1', 'fx/will', 'fx/b/c'],
    async stop() {
      clearInterval(traffic);
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
    },
  };
}
