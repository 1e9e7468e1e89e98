// The middle value of a benchmark's repeated measurements (the upper one of an even count).
export function median(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}
