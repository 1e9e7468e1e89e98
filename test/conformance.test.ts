// The conformance suite (conformance/) in its bounded form: every operation of the spec fuzzed
// against a relaymq holding realistic state, with a fixed seed, in well under a minute.
// `npm run conformance -- --seed N --runs M` runs longer passes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runConformance, formatReport } from '../conformance/runner.ts';
import { startConformanceBroker } from '../conformance/broker.ts';
import { SPEC_PATH, specDocument } from '../src/api/spec.ts';

const OPEN_OPERATIONS = new Set(Object.values(specDocument().paths).flatMap((item) =>
  Object.values(item).filter((op) => op.security?.length === 0).map((op) => op.operationId)));

test('conformance: every operation fuzzed, every check passes, the broker keeps serving', { timeout: 60_000 }, async () => {
  const target = await startConformanceBroker();
  try {
    const lines: string[] = [];
    const report = await runConformance({ url: target.url, token: target.token, mqttUrl: target.mqttUrl, seed: 20261128, runs: 15, spec: SPEC_PATH, log: (l) => lines.push(l) });
    const operations = Object.values(specDocument().paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    assert.deepEqual(Object.keys(report.operations).sort(), operations.sort());
    for (const [id, r] of Object.entries(report.operations)) {
      assert.ok(r.valid > 0 && r.success, `${id} produced a documented success`);
      // Operations open to probes (security: []) and without parameters have no invalid request to send.
      if (!OPEN_OPERATIONS.has(id)) assert.ok(r.invalid >= 2, `${id} got invalid requests (at least the bearer token ones)`);
    }
    assert.ok(report.ok, `${lines.join('\n')}\n${formatReport(report)}`);
  } finally {
    await target.stop();
  }
});
