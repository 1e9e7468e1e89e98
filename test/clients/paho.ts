// Runs test/clients/paho_client.py (Eclipse Paho, Debian's python3-paho-mqtt): an MQTT 5
// client written independently of mqtt.js and mqtt-packet. Bounded by the scenario's `wait`.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./paho_client.py', import.meta.url));
/** Debian's interpreter, where python3-paho-mqtt is installed (not a pyenv or venv one). */
const PYTHON = '/usr/bin/python3';

export const pahoAvailable = spawnSync(PYTHON, ['-c', 'import paho.mqtt.client']).status === 0;

export interface PahoResult {
  connack: { reason: number; properties: Record<string, unknown> } | null;
  suback: number[];
  messages: { topic: string; payload: string; qos: number; retain: boolean; properties: Record<string, unknown> }[];
  disconnect: number | null;
}

/**
 * Starts a Paho client on the scenario; `ready` resolves once its SUBACK arrived (or at once
 * without subscriptions), `done` with what it saw.
 */
export function paho(scenario: Record<string, unknown>): { ready: Promise<void>; done: Promise<PahoResult> } {
  const child = spawn(PYTHON, [SCRIPT, JSON.stringify(scenario)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let markReady!: () => void;
  const ready = new Promise<void>((r) => { markReady = r; });
  child.stdout.on('data', (d) => {
    out += d;
    if (out.includes('"ready": true')) markReady();
  });
  child.stderr.on('data', (d) => { err += d; });
  const done = new Promise<PahoResult>((resolve, reject) => {
    child.on('close', (code) => {
      markReady();
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`paho client exited ${code}: ${err}`));
      resolve(JSON.parse(last));
    });
  });
  if (!scenario.subscribe) markReady();
  return { ready, done };
}
