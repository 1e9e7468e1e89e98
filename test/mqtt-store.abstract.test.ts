// aedes-persistence's own contract suite (abstract.js), run against the stores relaymq gives
// Aedes: the MQTT store over the memory backend and over LevelDB.
import { test } from 'node:test';
import { createRequire } from 'node:module';
import { pino } from 'pino';
import { openStore } from '../src/persistence/open.ts';
import { newDataDir } from './process.ts';

const abstract = createRequire(import.meta.url)('aedes-persistence/abstract.js') as (opts: object) => void;
const quiet = pino({ level: 'silent' });

for (const type of ['memory', 'level'] as const) {
  abstract({
    test: (name: string, fn: (t: unknown) => Promise<void>) => test(`MqttStore (${type}): ${name}`, fn),
    testAsync: true,
    persistence: async () => (await openStore({ type, data_dir: newDataDir(), sync: false, repair: false }, quiet)).mqtt,
  });
}
