// One structured logger for the whole process. Quiet by default ("warn"); the config's
// [log] level or RELAYMQ_LOG_LEVEL raises it.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({ level: process.env.RELAYMQ_LOG_LEVEL ?? level, base: { name: 'relaymq' } });
}
