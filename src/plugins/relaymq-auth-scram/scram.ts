// SCRAM-SHA-256 (RFC 5802, RFC 7677) as an MQTT 5 enhanced authentication exchange, the
// message flow EMQX and HiveMQ clients use:
//   CONNECT  data = client-first   "n,,n=<user>,r=<client nonce>"
//   AUTH     data = server-first   "r=<nonce>,s=<salt>,i=<iterations>"       (0x18, server)
//   AUTH     data = client-final   "c=biws,r=<nonce>,p=<proof>"              (0x18, client)
//   CONNACK  data = server-final   "v=<server signature>"
// The server keeps only StoredKey and ServerKey: it can verify a proof but not recover the
// password. Channel binding is not offered ("n,," only).
import { ReasonCode } from '../../broker/reason-codes.ts';
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuthExchange, AuthStep } from '../../broker/enhanced-auth.ts';

export interface ScramCredentials { salt: Buffer; iterations: number; storedKey: Buffer; serverKey: Buffer }

const { BAD_CREDENTIALS } = ReasonCode;
const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();

/** The stored form of a password (what the users file may hold instead of the password). */
export function deriveCredentials(password: string, salt = randomBytes(16), iterations = 4096): ScramCredentials {
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  return { salt, iterations, storedKey: sha256(hmac(salted, 'Client Key')), serverKey: hmac(salted, 'Server Key') };
}

/** `a=1,b=2` → {a: '1', b: '2'} (values may contain '='). */
function attributes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const i = part.indexOf('=');
    if (i === 1) out[part[0]] = part.slice(2);
  }
  return out;
}

/** RFC 5802 §5.1: '=2C' and '=3D' stand for ',' and '=' in a username. */
const decodeName = (s: string) => s.replace(/=2C/g, ',').replace(/=3D/g, '=');

/** One client's exchange; `lookup` finds a user's credentials (undefined: no such user). */
export class ScramExchange implements AuthExchange {
  private expect?: { user: string; nonce: string; clientFirstBare: string; serverFirst: string; creds?: ScramCredentials };

  constructor(private readonly lookup: (user: string) => ScramCredentials | undefined) {}

  async start(data: Buffer | undefined): Promise<AuthStep> {
    const text = data?.toString('utf8') ?? '';
    if (!text.startsWith('n,,')) return { fail: BAD_CREDENTIALS }; // no channel binding, no authzid
    const clientFirstBare = text.slice(3);
    const a = attributes(clientFirstBare);
    if (!a.n || !a.r) return { fail: BAD_CREDENTIALS };
    const user = decodeName(a.n);
    // An unknown user gets a challenge like any other (with a made-up salt), so that the
    // exchange does not tell who exists; it fails at the proof.
    const creds = this.lookup(user);
    const salt = creds?.salt ?? sha256(Buffer.from(`relaymq-unknown:${user}`)).subarray(0, 16);
    const nonce = a.r + randomBytes(18).toString('base64');
    const serverFirst = `r=${nonce},s=${salt.toString('base64')},i=${creds?.iterations ?? 4096}`;
    this.expect = { user, nonce, clientFirstBare, serverFirst, creds };
    return { continue: Buffer.from(serverFirst) };
  }

  async next(data: Buffer | undefined): Promise<AuthStep> {
    const e = this.expect;
    this.expect = undefined; // one answer per challenge
    if (!e) return { fail: BAD_CREDENTIALS };
    const clientFinal = data?.toString('utf8') ?? '';
    const i = clientFinal.lastIndexOf(',p=');
    if (i < 0) return { fail: BAD_CREDENTIALS };
    const withoutProof = clientFinal.slice(0, i);
    const a = attributes(withoutProof);
    const proof = Buffer.from(clientFinal.slice(i + 3), 'base64');
    if (a.c !== 'biws' || a.r !== e.nonce || !e.creds || proof.length !== 32) return { fail: BAD_CREDENTIALS };
    const authMessage = `${e.clientFirstBare},${e.serverFirst},${withoutProof}`;
    const signature = hmac(e.creds.storedKey, authMessage);
    const clientKey = Buffer.from(proof.map((b, k) => b ^ signature[k]));
    if (!timingSafeEqual(sha256(clientKey), e.creds.storedKey)) return { fail: BAD_CREDENTIALS };
    const serverSignature = hmac(e.creds.serverKey, authMessage).toString('base64');
    return { success: Buffer.from(`v=${serverSignature}`), username: e.user };
  }
}
