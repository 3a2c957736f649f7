// HTTP for the registry client, on node:http and node:https only: one request at a time with
// keep-alive agents (a pull makes dozens of requests to one host), bounded retries with
// exponential backoff for the failures that are worth retrying (connection resets, 5xx, 429),
// and redirects, dropping credentials when a redirect leaves the host (blob storage on S3 or a
// CDN must never see the registry token).
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

/** A request body that can be sent again after a failed attempt. */
export interface ReplayableBody {
  length: number;
  open(): Readable;
}

export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: Buffer | ReplayableBody;
  /** https without certificate verification (--tls-verify=false, insecure-registries). */
  insecureTls?: boolean;
  /** Idle time on the socket before the request fails. */
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: http.IncomingMessage;
  /** Where the response came from, after redirects. */
  url: URL;
}

const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 16 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 16 }),
  httpsInsecure: new https.Agent({ keepAlive: true, maxSockets: 16, rejectUnauthorized: false }),
};

const DEFAULT_TIMEOUT_MS = 60_000;

/** A network-level failure (no HTTP status), with the errno code kept for the retry decision. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** One request, no retries and no redirects. The caller reads or destroys `body`. */
export function sendOnce(req: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const isHttps = req.url.protocol === 'https:';
    const agent = isHttps ? (req.insecureTls ? agents.httpsInsecure : agents.https) : agents.http;
    const headers: Record<string, string> = { 'user-agent': 'sandbox', ...req.headers };
    const body = req.body;
    if (body !== undefined) headers['content-length'] = String(Buffer.isBuffer(body) ? body.length : body.length);
    else if (req.method === 'PUT' || req.method === 'POST' || req.method === 'PATCH') headers['content-length'] = '0';
    const mod = isHttps ? https : http;
    const r = mod.request(req.url, { method: req.method, headers, agent });
    let settled = false;
    const fail = (err: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      reject(new TransportError(err.message, err.code));
    };
    r.setTimeout(req.timeoutMs ?? DEFAULT_TIMEOUT_MS, () => r.destroy(Object.assign(new Error(`no answer within ${Math.round((req.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)} s`), { code: 'ETIMEDOUT' })));
    r.on('error', fail);
    r.on('response', (res) => {
      settled = true;
      // The same idle timeout applies while the body streams.
      res.socket?.setTimeout(req.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, url: req.url });
    });
    if (body === undefined) r.end();
    else if (Buffer.isBuffer(body)) r.end(body);
    else {
      const src = body.open();
      src.on('error', (err) => r.destroy(err));
      src.pipe(r);
    }
  });
}

/** Read a (small) body whole; at most `limit` bytes are kept. */
export async function readBody(res: HttpResponse, limit = 4 << 20): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    if (size + chunk.length > limit) {
      res.body.destroy();
      throw new TransportError(`response from ${res.url.host} is larger than ${limit} bytes`, 'E2BIG');
    }
    parts.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(parts, size);
}

/** Throw the body away so the keep-alive socket can be reused. */
export function drain(res: HttpResponse): void {
  res.body.resume();
}

const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ECONNABORTED', 'ENETUNREACH', 'EHOSTUNREACH']);
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

export interface RetryPolicy {
  /** Attempts in all (1 = no retry). */
  attempts: number;
  /** Delay before the first retry; doubled each time, with jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 200, maxDelayMs: 3000 };

export function isRetryableError(err: unknown): boolean {
  return err instanceof TransportError && err.code !== undefined && RETRYABLE_CODES.has(err.code);
}

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUS.has(status);
}

/** The wait before retry number `n` (1-based), honouring a Retry-After in seconds when given. */
export function backoffDelay(policy: RetryPolicy, n: number, retryAfter?: string, random: () => number = Math.random): number {
  const after = retryAfter !== undefined && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : undefined;
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1));
  return Math.min(policy.maxDelayMs, after ?? exp * (0.75 + random() / 2));
}

/**
 * sendOnce with retries: connection-level failures and 429/5xx answers are tried again, up to
 * policy.attempts in all, waiting longer each time. The last answer (even a 5xx) or the last
 * error is what the caller gets.
 */
export async function sendWithRetries(req: HttpRequest, policy: RetryPolicy = DEFAULT_RETRY): Promise<HttpResponse> {
  for (let attempt = 1; ; attempt++) {
    const last = attempt >= policy.attempts;
    let res: HttpResponse;
    try {
      res = await sendOnce(req);
    } catch (err) {
      if (last || !isRetryableError(err)) throw err;
      await sleep(backoffDelay(policy, attempt));
      continue;
    }
    if (last || !isRetryableStatus(res.status)) return res;
    drain(res);
    const retryAfter = res.headers['retry-after'];
    await sleep(backoffDelay(policy, attempt, typeof retryAfter === 'string' ? retryAfter : undefined));
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/**
 * Follow redirects (bounded). A redirect to another origin loses the Authorization header:
 * blob storage gets its own signed URL and must not see the registry's credentials.
 */
export async function sendFollowingRedirects(req: HttpRequest, policy: RetryPolicy = DEFAULT_RETRY): Promise<HttpResponse> {
  let current = req;
  for (let hop = 0; ; hop++) {
    const res = await sendWithRetries(current, policy);
    const location = res.headers.location;
    if (!REDIRECTS.has(res.status) || !location) return res;
    drain(res);
    if (hop >= MAX_REDIRECTS) throw new TransportError(`more than ${MAX_REDIRECTS} redirects from ${req.url.host}`, 'ELOOP');
    const next = new URL(location, current.url);
    const headers = { ...current.headers };
    if (next.origin !== current.url.origin) delete headers.authorization;
    const method = res.status === 303 ? 'GET' : current.method;
    current = { ...current, method, url: next, headers };
    if (method === 'GET') delete current.body;
  }
}
