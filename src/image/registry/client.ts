// A client for one registry (OCI distribution spec / Docker registry API v2): manifests, blobs,
// uploads, tags. It owns the endpoint choice (http for loopback, https otherwise, the insecure
// fallback), authorization (auth.ts) and the mapping of transport failures to one-line errors.
// What a pull or push *does* with these calls lives in ../pull.ts and ../push.ts.
import { ImageError } from '../../errors.js';
import type { Digest } from '../digest.js';
import { Authorizer } from './auth.js';
import { repositoryScope } from './challenge.js';
import { lookupCredentials, type Credentials } from './credentials.js';
import { checkNotBlocked, endpointsFor, readInsecureRegistries, registriesConfigFile, type Endpoint } from './endpoint.js';
import { describeRegistryErrors } from './errors.js';
import { drain, readBody, sendFollowingRedirects, TransportError, type HttpResponse, type ReplayableBody } from './http.js';

export interface ClientOptions {
  env: NodeJS.ProcessEnv;
  /** false: --tls-verify=false (https without verification, then plain http). */
  tlsVerify?: boolean;
  /** Use these instead of the stored ones (login checks credentials before saving them). */
  credentials?: Credentials;
  /** Tests: the endpoints to try, instead of the ones the registry's name implies. */
  endpoints?: Endpoint[];
}

export interface FetchedManifest {
  bytes: Buffer;
  /** Content-Type without parameters. */
  mediaType: string;
  /** Docker-Content-Digest, when the registry sent one. */
  headerDigest: string | undefined;
}

const TLS_CODES = /^(EPROTO|ERR_SSL_|ERR_TLS_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|HOSTNAME_MISMATCH)/;

/** Manifests and indexes are read whole; the spec lets registries refuse anything over 4 MiB. */
const MAX_MANIFEST = 4 << 20;

export class RegistryClient {
  readonly registry: string;
  private readonly endpoints: Endpoint[];
  private current = 0;
  private readonly auth: Authorizer;
  private readonly configFile: string;

  constructor(registry: string, opts: ClientOptions) {
    this.registry = registry;
    // Before any connection (injected endpoints are the tests' own fake servers).
    if (!opts.endpoints) checkNotBlocked(registry, opts.env);
    const tlsVerify = opts.tlsVerify;
    this.configFile = registriesConfigFile(opts.env);
    this.endpoints = opts.endpoints ?? endpointsFor(registry, { ...(tlsVerify === undefined ? {} : { tlsVerify }), insecureRegistries: readInsecureRegistries(opts.env) });
    const explicit = opts.credentials;
    this.auth = new Authorizer(
      registry,
      async () => explicit ?? (await lookupCredentials(registry, opts.env))?.credentials,
      this.endpoints[0]!.insecureTls,
    );
  }

  /** The URL base in use, for messages: http://127.0.0.1:5000. */
  get base(): string {
    return this.endpoints[this.current]!.base;
  }

  private transportError(err: unknown, method: string, url: string): ImageError {
    const e = err as TransportError;
    if (e.code && TLS_CODES.test(e.code)) {
      return new ImageError(
        `TLS connection to ${this.registry} failed (${e.message}); if you trust this registry without a valid certificate, pass --tls-verify=false or add it to "insecure-registries" in ${this.configFile}`,
      );
    }
    return new ImageError(`cannot reach registry ${this.registry} (${method} ${url}): ${e.message ?? String(err)}; check the address and that the registry is running`);
  }

  /**
   * Send a request needing `scopes`, answering an auth challenge once, trying the next
   * endpoint when an insecure registry turns out not to speak TLS.
   */
  async send(method: string, path: string, opts: { scopes: readonly string[]; headers?: Record<string, string>; body?: Buffer | ReplayableBody }): Promise<HttpResponse> {
    for (;;) {
      const ep = this.endpoints[this.current]!;
      const url = new URL(path, ep.base + '/');
      try {
        for (let round = 0; ; round++) {
          const authorization = await this.auth.header(opts.scopes);
          const headers: Record<string, string> = { ...opts.headers };
          if (authorization) headers.authorization = authorization;
          const req = { method, url, headers, insecureTls: ep.insecureTls, ...(opts.body === undefined ? {} : { body: opts.body }) };
          const res = await sendFollowingRedirects(req);
          if (res.status === 401 && round === 0 && this.auth.learn(res, opts.scopes, authorization !== undefined)) {
            drain(res);
            continue;
          }
          return res;
        }
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
        const tlsProblem = err.code !== undefined && TLS_CODES.test(err.code);
        if (tlsProblem && this.current + 1 < this.endpoints.length) {
          this.current++;
          continue;
        }
        throw this.transportError(err, method, url.href);
      }
    }
  }

  /** The registry's own error text for a failed response (the body is consumed). */
  async errorText(res: HttpResponse): Promise<string> {
    const body = await readBody(res, 64 << 10).catch(() => Buffer.alloc(0));
    return describeRegistryErrors(res.status, body);
  }

  /** GET /v2/: checks the address and, with credentials, that they are accepted. */
  async ping(): Promise<HttpResponse> {
    const res = await this.send('GET', '/v2/', { scopes: [] });
    drain(res);
    return res;
  }

  async hasCredentials(): Promise<boolean> {
    return this.auth.hasCredentials();
  }

  async getManifest(repository: string, reference: string, accept: string): Promise<HttpResponse> {
    return this.send('GET', `/v2/${repository}/manifests/${reference}`, { scopes: [repositoryScope(repository, ['pull'])], headers: { accept } });
  }

  /** The manifest bytes of a successful GET (at most 4 MiB). */
  async readManifest(res: HttpResponse): Promise<FetchedManifest> {
    const bytes = await readBody(res, MAX_MANIFEST).catch((err: Error) => {
      throw new ImageError(`manifest from ${this.registry} is too large or was cut off (${err.message})`);
    });
    const ct = res.headers['content-type'];
    const digest = res.headers['docker-content-digest'];
    return {
      bytes,
      mediaType: typeof ct === 'string' ? ct.split(';')[0]!.trim() : '',
      headerDigest: typeof digest === 'string' ? digest : undefined,
    };
  }

  /** GET a blob (redirects followed); the caller checks the status and streams the body. */
  async getBlob(repository: string, digest: Digest): Promise<HttpResponse> {
    return this.send('GET', `/v2/${repository}/blobs/${digest}`, { scopes: [repositoryScope(repository, ['pull'])] });
  }

  async hasBlob(repository: string, digest: Digest, scopes: readonly string[]): Promise<boolean> {
    const res = await this.send('HEAD', `/v2/${repository}/blobs/${digest}`, { scopes });
    drain(res);
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    throw new ImageError(`cannot check blob ${digest} in ${this.registry}/${repository}: ${res.status}`);
  }

  /**
   * Start an upload, asking the registry to mount the blob from `from` (same registry) instead.
   * Returns 'mounted' when it did, else the upload URL to PUT the blob to.
   */
  async startUpload(repository: string, digest: Digest, from: string | undefined, scopes: readonly string[]): Promise<{ mounted: true } | { mounted: false; location: string }> {
    const query = from ? `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}` : '';
    const res = await this.send('POST', `/v2/${repository}/blobs/uploads/${query}`, { scopes });
    if (res.status === 201) {
      drain(res);
      return { mounted: true };
    }
    if (res.status !== 202) throw await this.failure(res, `cannot start an upload to ${this.registry}/${repository}`);
    drain(res);
    const location = res.headers.location;
    if (!location) throw new ImageError(`${this.registry} started an upload for ${repository} without saying where to send it (no Location header)`);
    return { mounted: false, location: new URL(location, res.url).href };
  }

  /** Send the whole blob to an upload URL and close it with its digest (the monolithic upload). */
  async finishUpload(location: string, digest: Digest, body: ReplayableBody, scopes: readonly string[], repository: string): Promise<void> {
    const url = new URL(location);
    url.searchParams.set('digest', digest);
    const res = await this.send('PUT', url.href, { scopes, headers: { 'content-type': 'application/octet-stream' }, body });
    if (res.status !== 201 && res.status !== 204) throw await this.failure(res, `upload of blob ${digest} to ${this.registry}/${repository} failed`);
    drain(res);
  }

  async putManifest(repository: string, reference: string, bytes: Buffer, mediaType: string): Promise<string | undefined> {
    const res = await this.send('PUT', `/v2/${repository}/manifests/${reference}`, {
      scopes: [repositoryScope(repository, ['pull', 'push'])],
      headers: { 'content-type': mediaType },
      body: bytes,
    });
    if (res.status !== 201 && res.status !== 200 && res.status !== 202) throw await this.failure(res, `cannot put manifest ${reference} to ${this.registry}/${repository}`);
    drain(res);
    const d = res.headers['docker-content-digest'];
    return typeof d === 'string' ? d : undefined;
  }

  /** Every tag of a repository, following the Link header's pages. */
  async listTags(repository: string): Promise<string[]> {
    const tags: string[] = [];
    let path: string | undefined = `/v2/${repository}/tags/list?n=1000`;
    for (let page = 0; path && page < 1000; page++) {
      const res = await this.send('GET', path, { scopes: [repositoryScope(repository, ['pull'])] });
      if (res.status !== 200) throw await this.failure(res, `cannot list the tags of ${this.registry}/${repository}`);
      const doc = JSON.parse((await readBody(res, 16 << 20)).toString('utf8')) as { tags?: unknown };
      if (Array.isArray(doc.tags)) tags.push(...doc.tags.filter((t): t is string => typeof t === 'string'));
      const link = res.headers.link;
      const next = typeof link === 'string' ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link)?.[1] : undefined;
      path = next ? new URL(next, res.url).href : undefined;
    }
    return tags;
  }

  /** An ImageError for an unexpected answer: `<context>: <the registry's error text>`. */
  async failure(res: HttpResponse, context: string): Promise<ImageError> {
    return new ImageError(`${context}: ${await this.errorText(res)}`);
  }
}
