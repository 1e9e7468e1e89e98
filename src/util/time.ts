// Formatting and parsing of the time values the API and the config files use.

const pad = (n: number) => String(n).padStart(2, '0');

/** Formatted seconds: API answers repeat the same few dates (connected_at, created_at, now). */
const formatted = new Map<number, string>();
const FORMATTED_MAX = 4096;

/** "YYYY-MM-DD HH:mm:ss" in server local time, as every date of the API. */
export function formatDateTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  let text = formatted.get(second);
  if (text === undefined) {
    const d = new Date(second * 1000);
    text = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
      `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    if (formatted.size >= FORMATTED_MAX) formatted.clear();
    formatted.set(second, text);
  }
  return text;
}

/** "D days H hours, m minutes, s seconds", RMQTT's uptime format. */
export function formatUptime(totalSeconds: number): string {
  let s = Math.max(0, Math.floor(totalSeconds));
  const days = Math.floor(s / 86400); s -= days * 86400;
  const hours = Math.floor(s / 3600); s -= hours * 3600;
  const minutes = Math.floor(s / 60); s -= minutes * 60;
  return `${days} days ${hours} hours, ${minutes} minutes, ${s} seconds`;
}

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
/** The duration syntax of the config files, as in RMQTT: "5m", "2h", "1h30m", "90s", "0". */
export const DURATION_PATTERN = '^(0|([0-9]+(ms|s|m|h|d|w))+)$';

/** Parses a config duration into milliseconds ("0" is 0, meaning never/disabled). */
export function parseDurationMs(text: string): number {
  if (!new RegExp(DURATION_PATTERN).test(text)) throw new Error(`invalid duration '${text}'`);
  let total = 0;
  for (const m of text.matchAll(/([0-9]+)(ms|s|m|h|d|w)/g)) total += Number(m[1]) * UNIT_SECONDS[m[2]] * 1000;
  return Math.round(total);
}

/** Parses a config duration into whole seconds. */
export function parseDurationSeconds(text: string): number {
  return Math.floor(parseDurationMs(text) / 1000);
}
