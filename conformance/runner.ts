// Runs the conformance suite against a running broker: for every operation of the spec, valid
// requests (fast-check, seeded; a failure shrinks) and invalid ones, each response checked.
// Returns a report; fails when a check fails, an operation was not exercised, a documented
// success was never produced, or the broker stopped serving HTTP or MQTT.
import { request } from 'node:http';
import fc from 'fast-check';
import mqtt from 'mqtt';
import { loadSpec, type Operation } from './spec.ts';
import { Validator, checkResponse, type Reply } from './checks.ts';
import { validCases, invalidCases, type Case } from './cases.ts';

export interface RunOptions {
  /** Base URL of the API, e.g. http://127.0.0.1:6060/api/v2 */
  url: string;
  /** MQTT URL, to check the broker still serves MQTT at the end. */
  mqttUrl?: string;
  token?: string;
  seed: number;
  runs: number;
  spec: string;
  log?: (line: string) => void;
}

export interface OperationReport { valid: number; invalid: number; statuses: Record<string, number>; success: boolean }
export interface Failure { op: string; kind: string; problems: string[]; curl: string }
export interface Report { ok: boolean; operations: Record<string, OperationReport>; failures: Failure[]; problems: string[] }

export async function runConformance(o: RunOptions): Promise<Report> {
  const log = o.log ?? (() => {});
  const { doc, operations } = loadSpec(o.spec);
  const validator = new Validator(doc);
  const auth: Record<string, string> = o.token ? { authorization: `Bearer ${o.token}` } : {};
  const live = await liveValues(o.url, auth);
  const ctx = { doc, live: (name: string) => live[name] ?? [], valid: (schema: object, value: unknown) => validator.compile(schema)(value) };
  const report: Report = { ok: true, operations: {}, failures: [], problems: [] };

  // Destructive operations (DELETE: kicking clients) last, so the others meet live state.
  const ordered = [...operations.filter((op) => op.method !== 'DELETE'), ...operations.filter((op) => op.method === 'DELETE')];
  for (const op of ordered) {
    const r: OperationReport = (report.operations[op.id] = { valid: 0, invalid: 0, statuses: {}, success: false });
    let failure: Failure | undefined;
    const run = async (c: Case): Promise<string[]> => {
      const reply = await send(o.url, c);
      r[c.valid ? 'valid' : 'invalid']++;
      r.statuses[reply.status] = (r.statuses[reply.status] ?? 0) + 1;
      if (c.valid && reply.status < 300) r.success = true;
      return checkResponse(validator, op, c.valid, reply);
    };
    const arb = validCases(op, ctx, validator, auth);
    const result = await fc.check(fc.asyncProperty(arb, async (c) => {
      const problems = await run(c);
      if (problems.length) failure = { op: op.id, kind: c.kind, problems, curl: curl(o.url, c) };
      return problems.length === 0;
    }), { seed: o.seed, numRuns: o.runs });
    if (result.failed && failure) {
      // the last failure recorded is the shrunk counterexample
      report.failures.push({ ...failure, curl: `${failure.curl}   # fast-check seed ${o.seed}, path ${result.counterexamplePath}` });
    }
    const [base] = fc.sample(arb, { seed: o.seed, numRuns: 1 });
    for (const c of invalidCases(op, base, doc, auth)) {
      const problems = await run(c);
      if (problems.length) report.failures.push({ op: op.id, kind: c.kind, problems, curl: curl(o.url, c) });
    }
    log(line(op, r));
    if (r.valid + r.invalid === 0) report.problems.push(`${op.id}: not exercised`);
    if (!r.success) report.problems.push(`${op.id}: no documented success response was produced`);
  }

  try {
    const again = await send(o.url, { op: 'list_brokers', valid: true, kind: 'alive', method: 'GET', path: '/brokers', headers: auth });
    if (again.status !== 200) report.problems.push(`the API stopped serving (GET /brokers → ${again.status})`);
  } catch (e) {
    report.problems.push(`the API stopped serving: ${(e as Error).message}`);
  }
  if (o.mqttUrl) {
    const problem = await mqttRoundTrip(o.mqttUrl);
    if (problem) report.problems.push(`MQTT stopped serving: ${problem}`);
  }
  report.ok = report.failures.length === 0 && report.problems.length === 0;
  return report;
}

/** Values taken from the running broker, by parameter / property name. */
async function liveValues(url: string, auth: Record<string, string>): Promise<Record<string, unknown[]>> {
  const get = async (p: string) => JSON.parse((await send(url, { op: '', valid: true, kind: 'live', method: 'GET', path: p, headers: auth })).text).data;
  const nodes = ((await get('/nodes')) as { node_id: number }[]).map((n) => n.node_id);
  const clients = ((await get('/clients')) as { clientid: string }[]).map((c) => c.clientid);
  const routes = ((await get('/routes')) as { topic: string }[]).map((r) => r.topic);
  const plugins = ((await get('/plugins')) as { plugins: { name: string }[] }[]).flatMap((n) => n.plugins.map((p) => p.name));
  const subs = (await get('/subscriptions')) as { topic: string; share: string | null }[];
  const concrete = routes.map((t) => t.replace(/#$/, 'x').replace(/\+/g, 'x'));
  const retained = ((await get('/retains')) as { topic: string }[]).map((r) => r.topic);
  return {
    node: nodes, clientid: clients, plugin: plugins, topic: [...new Set([...routes, ...concrete, ...retained])], topics: [concrete.join(',')].filter(Boolean),
    _match_topic: concrete, share: subs.map((s) => s.share).filter((s) => s !== null),
    who: clients,
  };
}

function send(base: string, c: Case): Promise<Reply> {
  const url = new URL(base.replace(/\/$/, '') + c.path);
  return new Promise((resolve, reject) => {
    const headers = { ...c.headers, ...(c.body !== undefined ? { 'content-length': String(Buffer.byteLength(c.body)) } : {}) };
    const req = request(url, { method: c.method, headers, timeout: 15_000 }, (res) => {
      const reply = (text: string) => ({ status: res.statusCode!, contentType: String(res.headers['content-type'] ?? ''), text });
      // An event stream never ends: its first event is the answer to check.
      if (String(res.headers['content-type']).startsWith('text/event-stream')) {
        res.once('data', (d: Buffer) => {
          resolve(reply(d.toString('utf8')));
          req.destroy();
        });
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve(reply(Buffer.concat(chunks).toString('utf8'))));
    });
    req.on('timeout', () => req.destroy(new Error(`${c.method} ${c.path} timed out`)));
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e)));
    if (c.body !== undefined) req.write(c.body);
    req.end();
  });
}

async function mqttRoundTrip(url: string): Promise<string | undefined> {
  try {
    const c = await mqtt.connectAsync(url, { clientId: `conformance-check-${process.pid}`, reconnectPeriod: 0, connectTimeout: 5000 });
    const got = new Promise<void>((resolve) => c.on('message', () => resolve()));
    await c.subscribeAsync('conformance/alive', { qos: 1 });
    await c.publishAsync('conformance/alive', 'yes', { qos: 1 });
    const ok = await Promise.race([got.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
    await c.endAsync(true);
    return ok ? undefined : 'a published message did not come back within 5 s';
  } catch (e) {
    return (e as Error).message;
  }
}

/** A ready-to-run command; a huge body (the oversize case) is generated and piped in. */
function curl(base: string, c: Case): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const headers = Object.entries(c.headers).map(([k, v]) => ` -H ${q(`${k}: ${v}`)}`).join('');
  const cmd = `curl -sS -X ${c.method} ${q(base.replace(/\/$/, '') + c.path)}${headers}`;
  if (c.body === undefined) return cmd;
  const run = /(.)\1{999,}/s.exec(c.body);
  if (!run) return `${cmd} --data-binary ${q(c.body)}`;
  const [prefix, suffix] = [c.body.slice(0, run.index), c.body.slice(run.index + run[0].length)];
  const js = `process.stdout.write(${JSON.stringify(prefix)} + ${JSON.stringify(run[1])}.repeat(${run[0].length}) + ${JSON.stringify(suffix)})`;
  return `node -e ${q(js)} | ${cmd} --data-binary @-`;
}

function line(op: Operation, r: OperationReport): string {
  const statuses = Object.entries(r.statuses).map(([s, n]) => `${s}×${n}`).join(' ');
  return `${op.id.padEnd(30)} valid ${String(r.valid).padStart(4)}  invalid ${String(r.invalid).padStart(3)}  ${statuses}`;
}

export function formatReport(report: Report): string {
  const out: string[] = [];
  for (const f of report.failures) out.push(`FAIL ${f.op} (${f.kind}): ${f.problems.join('; ')}\n  replay: ${f.curl}`);
  for (const p of report.problems) out.push(`FAIL ${p}`);
  out.push(report.ok ? 'conformance: every operation exercised, no failure' : `conformance: ${report.failures.length} failing case(s), ${report.problems.length} problem(s)`);
  return out.join('\n');
}
