// Authorization for one registry, as the distribution spec's token flow has it:
//  1. a request goes out with whatever we already hold for its scope (nothing, the first time);
//  2. a 401 carries WWW-Authenticate: Bearer realm,service,scope -> GET realm?service&scope,
//     with the user's credentials as Basic when there are any (an anonymous token otherwise),
//     and the request is sent again with `Authorization: Bearer <token>`;
//     or Basic -> the request is sent again with the credentials;
//  3. once the registry's challenge is known, a request for a new scope fetches its token first
//     instead of collecting another 401.
// Tokens are cached per scope set until shortly before they expire.
import { ImageError } from '../../errors.js';
import type { Credentials } from './credentials.js';
import { parseChallenges, pickChallenge, type Challenge } from './challenge.js';
import { readBody, sendFollowingRedirects, TransportError, type HttpResponse } from './http.js';

interface Token {
  value: string;
  /** ms since epoch. */
  expires: number;
}

/** Where the realm's token may be found in the JSON answer: docker's `token`, OAuth's `access_token`. */
export function tokenFromResponse(body: unknown, now: number = Date.now()): Token | undefined {
  const doc = body as { token?: unknown; access_token?: unknown; expires_in?: unknown } | null;
  const value = typeof doc?.token === 'string' && doc.token ? doc.token : typeof doc?.access_token === 'string' ? doc.access_token : undefined;
  if (!value) return undefined;
  // The spec's default lifetime is 60 s; renew 10 s early so a token never expires in flight.
  const lifetime = typeof doc?.expires_in === 'number' && doc.expires_in > 0 ? doc.expires_in : 60;
  return { value, expires: now + Math.max(1, lifetime - 10) * 1000 };
}

export function basicHeader(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}

export class Authorizer {
  private challenge: Challenge | undefined;
  private readonly tokens = new Map<string, Token>();
  private creds: Promise<Credentials | undefined> | undefined;

  constructor(
    private readonly registry: string,
    private readonly lookup: () => Promise<Credentials | undefined>,
    private readonly insecureTls: boolean,
  ) {}

  private credentials(): Promise<Credentials | undefined> {
    this.creds ??= this.lookup();
    return this.creds;
  }

  /** True when the user has credentials for this registry (they change the error wording). */
  async hasCredentials(): Promise<boolean> {
    return (await this.credentials()) !== undefined;
  }

  /** The Authorization header for a request needing `scopes`; undefined before any challenge. */
  async header(scopes: readonly string[]): Promise<string | undefined> {
    const c = this.challenge;
    if (!c) return undefined;
    if (c.scheme === 'basic') {
      const creds = await this.credentials();
      return creds ? basicHeader(creds) : undefined;
    }
    const key = [...scopes].sort().join(' ');
    const cached = this.tokens.get(key);
    if (cached && cached.expires > Date.now()) return `Bearer ${cached.value}`;
    const token = await this.fetchToken(c, scopes);
    this.tokens.set(key, token);
    return `Bearer ${token.value}`;
  }

  /**
   * Take in a 401's challenge. True when answering it may succeed (a new challenge, or a token
   * that may simply have expired); false when the same answer was already refused.
   */
  learn(res: HttpResponse, scopes: readonly string[], sentAuthorization: boolean): boolean {
    const c = pickChallenge(parseChallenges(res.headers['www-authenticate']));
    if (!c) return false;
    const known = this.challenge;
    this.challenge = c;
    this.tokens.delete([...scopes].sort().join(' '));
    if (!sentAuthorization) return true;
    // We answered this very challenge and were refused: trying again changes nothing.
    return !(known && known.scheme === c.scheme && known.params.realm === c.params.realm);
  }

  private async fetchToken(c: Challenge, scopes: readonly string[]): Promise<Token> {
    let url: URL;
    try {
      url = new URL(c.params.realm!);
    } catch {
      throw new ImageError(`registry ${this.registry} sent a token realm that is not a URL: ${JSON.stringify(c.params.realm)}`);
    }
    if (c.params.service) url.searchParams.set('service', c.params.service);
    for (const s of scopes) url.searchParams.append('scope', s);
    const creds = await this.credentials();
    const headers: Record<string, string> = { accept: 'application/json' };
    if (creds) headers.authorization = basicHeader(creds);
    let res: HttpResponse;
    try {
      res = await sendFollowingRedirects({ method: 'GET', url, headers, insecureTls: this.insecureTls });
    } catch (err) {
      const why = err instanceof TransportError ? err.message : String(err);
      throw new ImageError(`cannot get a token for ${this.registry} from ${url.origin}${url.pathname}: ${why}; check that the token server is reachable`);
    }
    const body = await readBody(res, 1 << 20).catch(() => Buffer.alloc(0));
    if (res.status === 401 || res.status === 403) {
      throw new ImageError(
        creds
          ? `unauthorized: incorrect username or password for ${this.registry}; log in again with 'sandbox login ${this.registry}'`
          : `unauthorized: ${this.registry} requires authentication; log in with 'sandbox login ${this.registry}'`,
      );
    }
    if (res.status < 200 || res.status >= 300) {
      throw new ImageError(`the token server for ${this.registry} (${url.origin}${url.pathname}) answered ${res.status}; try again later`);
    }
    let doc: unknown;
    try {
      doc = JSON.parse(body.toString('utf8'));
    } catch {
      doc = undefined;
    }
    const token = tokenFromResponse(doc);
    if (!token) throw new ImageError(`the token server for ${this.registry} (${url.origin}${url.pathname}) answered without a token`);
    return token;
  }
}
