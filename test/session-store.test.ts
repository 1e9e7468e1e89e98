// Every SessionStore implementation runs the one contract suite (test/contracts/session-store.ts).
import { pino } from 'pino';
import { sessionStoreContract } from './contracts/session-store.ts';
import { MemorySessionStore } from '../src/persistence/session-store.ts';
import { openStore, type Store } from '../src/persistence/open.ts';
import { newDataDir } from './process.ts';

const quiet = pino({ level: 'silent' });

sessionStoreContract({ name: 'memory', durable: false, create: async () => ({ store: new MemorySessionStore(), close: async () => {} }) });

sessionStoreContract({
  name: 'LevelDB',
  durable: true,
  create: async () => {
    const cfg = { type: 'level' as const, data_dir: newDataDir(), sync: false, repair: false };
    let current: Store = await openStore(cfg, quiet);
    return {
      store: current.sessions,
      reopen: async () => {
        await current.close();
        current = await openStore(cfg, quiet);
        return current.sessions;
      },
      close: () => current.close(),
    };
  },
});
