/**
 * The swift account behind Glance's swift store, asked from the Glance host with the store's own
 * credentials: a swift whose devices are unmounted answers the account HEAD 503 at once, where an
 * upload through Glance takes ~31 s of retries to end in 500. Read-only; the key and the token stay here.
 */
import { request } from 'undici';
import type { SwiftRef } from './config-lint.js';

export interface SwiftProbe {
  ok: boolean;
  /** The storage side answers 5xx or not at all: swift is unavailable. */
  unavailable: boolean;
  evidence: string;
}

const TIMEOUT_MS = 5_000;

/** Authenticates (tempauth, auth_version 1) and sends HEAD to the account. */
export async function probeSwift(ref: SwiftRef): Promise<SwiftProbe> {
  if (ref.authVersion !== '1')
    return {
      ok: true,
      unavailable: false,
      evidence: `not probed: auth_version ${ref.authVersion} (${ref.where}); only tempauth (1) is asked from here`,
    };
  const auth = await ask('GET', ref.authAddress, { 'x-auth-user': ref.user, 'x-auth-key': ref.key });
  if (typeof auth === 'string')
    return { ok: false, unavailable: true, evidence: `swift auth ${ref.authAddress}: ${auth}` };
  const storage = header(auth.headers['x-storage-url']);
  const token = header(auth.headers['x-auth-token']);
  if (auth.status !== 200 || !storage || !token)
    return {
      ok: false,
      unavailable: auth.status >= 500,
      evidence: `swift auth ${ref.authAddress} as ${ref.user} (${ref.where}) → ${auth.status}${auth.status === 200 ? ' without a storage URL or token' : ''}`,
    };
  const head = await ask('HEAD', storage, { 'x-auth-token': token });
  const seen = typeof head === 'string' ? head : `${head.status} in ${head.ms} ms`;
  const evidence = `swift auth ${ref.authAddress} → 200; HEAD ${storage} → ${seen}`;
  if (typeof head === 'string') return { ok: false, unavailable: true, evidence };
  if (head.status >= 200 && head.status < 300) return { ok: true, unavailable: false, evidence };
  return {
    ok: false,
    unavailable: head.status >= 500,
    evidence: `${evidence}${head.status === 503 ? ' (the proxy found no storage node to answer: devices unmounted or servers down)' : ''}`,
  };
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  ms: number;
}

/** One bounded request; a string says why nothing answered. */
async function ask(
  method: 'GET' | 'HEAD',
  url: string,
  headers: Record<string, string>,
): Promise<Answer | string> {
  const started = performance.now();
  try {
    const res = await request(url, {
      method,
      headers,
      headersTimeout: TIMEOUT_MS,
      bodyTimeout: TIMEOUT_MS,
      signal: AbortSignal.timeout(TIMEOUT_MS * 2),
    });
    await res.body.dump();
    return { status: res.statusCode, headers: res.headers, ms: Math.round(performance.now() - started) };
  } catch (err) {
    const code = (err as { code?: string }).code ?? (err as Error).name;
    return `no answer (${code}) after ${Math.round(performance.now() - started)} ms`;
  }
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
