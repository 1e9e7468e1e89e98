// Certificates made at test time with openssl: a CA, server certificates for 127.0.0.1
// (two, to see a reload take effect) and client certificates signed by the CA.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCerts {
  dir: string;
  /** PEM contents, for clients. */
  ca: Buffer;
  /** Paths: server certificate and key (CN server-a), and a second pair (CN server-b). */
  serverA: { cert: string; key: string };
  serverB: { cert: string; key: string };
  /** A client certificate (CN alice) signed by the CA, and one signed by an unknown CA. */
  alice: { cert: Buffer; key: Buffer };
  stranger: { cert: Buffer; key: Buffer };
  caPath: string;
}

export function makeCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'relaymq-certs-'));
  const f = (name: string) => join(dir, name);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ca = (name: string) => {
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.pem`), '-days', '2', '-subj', `/CN=${name}`);
  };
  const signed = (name: string, cn: string, by: string, server: boolean) => {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${cn}`);
    const ext = f(`${name}.ext`);
    execFileSync('sh', ['-c', `printf '%s\\n' '${server ? 'subjectAltName=IP:127.0.0.1,DNS:localhost' : 'extendedKeyUsage=clientAuth'}' > ${ext}`]);
    ssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f(`${by}.pem`), '-CAkey', f(`${by}.key`), '-CAcreateserial',
      '-out', f(`${name}.pem`), '-days', '2', '-extfile', ext);
  };
  ca('test-ca');
  ca('other-ca');
  signed('server-a', 'server-a', 'test-ca', true);
  signed('server-b', 'server-b', 'test-ca', true);
  signed('alice', 'alice', 'test-ca', false);
  signed('stranger', 'stranger', 'other-ca', false);
  const pair = (name: string) => ({ cert: readFileSync(f(`${name}.pem`)), key: readFileSync(f(`${name}.key`)) });
  return {
    dir, ca: readFileSync(f('test-ca.pem')), caPath: f('test-ca.pem'),
    serverA: { cert: f('server-a.pem'), key: f('server-a.key') },
    serverB: { cert: f('server-b.pem'), key: f('server-b.key') },
    alice: pair('alice'), stranger: pair('stranger'),
  };
}
