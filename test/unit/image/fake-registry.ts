// A registry in the test process (node:http) for unit tests of the client: manifests and blobs
// from memory, uploads into memory, and the faults a real network has, on demand: 503s, a
// connection cut mid-blob, a flipped byte, blobs redirected to another origin, basic or bearer
// auth. The integration tests use Debian's real docker-registry instead.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { makeTar, type TarInput } from './tar-writer.js';

export type Digest = `sha256:${string}`;
export const sha = (b: Buffer | string): Digest => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface Faults {
  /** Answer this many blob GETs with 503 before serving. */
  unavailable?: number;
  /** Cut the connection after half of a blob, this many times. */
  resets?: number;
  /** Flip one byte of every blob served with this digest. */
  corrupt?: Set<string>;
  /** Redirect blob GETs to this other server (which serves them without auth). */
  redirectTo?: FakeRegistry;
  /** Delay each blob GET by this much. */
  delayMs?: number;
}

export interface RequestLog {
  method: string;
  url: string;
  authorization: string | undefined;
}

export interface FakeRegistry {
  address: string;
  url: string;
  manifests: Map<string, { body: Buffer; type: string }>;
  blobs: Map<string, Buffer>;
  faults: Faults;
  log: RequestLog[];
  auth?: { kind: 'basic' | 'bearer'; user: string; password: string };
  /** Make blob `digest` part of repository `repo`. */
  link(repo: string, digest: string): void;
  close(): Promise<void>;
}

function send(res: http.ServerResponse, status: number, body: Buffer | string = '', headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

const errorBody = (code: string, message: string) => JSON.stringify({ errors: [{ code, message }] });

export async function startFakeRegistry(opts: { auth?: FakeRegistry['auth'] } = {}): Promise<FakeRegistry> {
  const uploads = new Map<string, Buffer[]>();
  // Blobs are linked into repositories, as in a real registry: HEAD in another repository is a 404.
  const links = new Set<string>();
  const tokens = new Set<string>();
  const reg = {
    manifests: new Map(),
    blobs: new Map(),
    faults: {},
    log: [],
    ...(opts.auth ? { auth: opts.auth } : {}),
  } as unknown as FakeRegistry;

  const authorized = (req: http.IncomingMessage): boolean => {
    if (!reg.auth) return true;
    const h = req.headers.authorization ?? '';
    if (reg.auth.kind === 'basic') return h === `Basic ${Buffer.from(`${reg.auth.user}:${reg.auth.password}`).toString('base64')}`;
    return h.startsWith('Bearer ') && tokens.has(h.slice(7));
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    reg.log.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (url.pathname === '/token') {
        const basic = `Basic ${Buffer.from(`${reg.auth!.user}:${reg.auth!.password}`).toString('base64')}`;
        if (req.headers.authorization !== basic) return send(res, 401, errorBody('UNAUTHORIZED', 'bad credentials'));
        const token = randomBytes(8).toString('hex');
        tokens.add(token);
        return send(res, 200, JSON.stringify({ token, expires_in: 300 }), { 'content-type': 'application/json' });
      }
      if (!authorized(req)) {
        const challenge =
          reg.auth!.kind === 'basic'
            ? 'Basic realm="fake"'
            : `Bearer realm="${reg.url}/token",service="fake",scope="repository:${url.pathname.split('/').slice(2, -2).join('/')}:pull"`;
        return send(res, 401, errorBody('UNAUTHORIZED', 'authentication required'), { 'www-authenticate': challenge });
      }
      if (url.pathname === '/v2/') return send(res, 200, '{}');
      const m = /^\/v2\/(.+)\/(manifests|blobs|tags)\/(.*)$/.exec(url.pathname);
      if (!m) return send(res, 404, errorBody('NOT_FOUND', 'not found'));
      const [, repo, kind, ref] = m as unknown as [string, string, string, string];
      if (kind === 'tags') {
        const tags = [...reg.manifests.keys()].filter((k) => k.startsWith(`${repo}:`) && !k.includes('@')).map((k) => k.slice(repo.length + 1));
        return send(res, 200, JSON.stringify({ name: repo, tags }), { 'content-type': 'application/json' });
      }
      if (kind === 'manifests') {
        if (req.method === 'PUT') {
          reg.manifests.set(`${repo}:${ref}`, { body, type: req.headers['content-type'] ?? '' });
          reg.manifests.set(`${repo}@${sha(body)}`, { body, type: req.headers['content-type'] ?? '' });
          return send(res, 201, '', { 'docker-content-digest': sha(body) });
        }
        const found = reg.manifests.get(ref.startsWith('sha256:') ? `${repo}@${ref}` : `${repo}:${ref}`);
        if (!found) return send(res, 404, errorBody('MANIFEST_UNKNOWN', 'manifest unknown'));
        return send(res, 200, req.method === 'HEAD' ? '' : found.body, { 'content-type': found.type, 'docker-content-digest': sha(found.body) });
      }
      // blobs
      if (ref.startsWith('uploads/')) {
        const id = ref.slice('uploads/'.length);
        if (req.method === 'POST') {
          const mount = url.searchParams.get('mount');
          const from = url.searchParams.get('from');
          if (mount && reg.blobs.has(mount) && links.has(`${from}@${mount}`)) {
            links.add(`${repo}@${mount}`);
            return send(res, 201, '', { location: `/v2/${repo}/blobs/${mount}` });
          }
          const uid = randomBytes(4).toString('hex');
          uploads.set(uid, []);
          return send(res, 202, '', { location: `/v2/${repo}/blobs/uploads/${uid}?state=x` });
        }
        if (req.method === 'PUT') {
          const parts = uploads.get(id) ?? [];
          const all = Buffer.concat([...parts, body]);
          const digest = url.searchParams.get('digest')!;
          if (sha(all) !== digest) return send(res, 400, errorBody('DIGEST_INVALID', 'provided digest did not match uploaded content'));
          reg.blobs.set(digest, all);
          links.add(`${repo}@${digest}`);
          return send(res, 201, '', { location: `/v2/${repo}/blobs/${digest}` });
        }
      }
      const blob = links.has(`${repo}@${ref}`) ? reg.blobs.get(ref) : undefined;
      if (!blob) return send(res, 404, errorBody('BLOB_UNKNOWN', 'blob unknown to registry'));
      if (req.method === 'HEAD') return send(res, 200, '', { 'content-length': String(blob.length) });
      const f = reg.faults;
      if (f.redirectTo) {
        f.redirectTo.blobs.set(ref, blob);
        f.redirectTo.link(repo, ref);
        return send(res, 307, '', { location: `${f.redirectTo.url}/v2/${repo}/blobs/${ref}` });
      }
      if (f.unavailable && f.unavailable > 0) {
        f.unavailable--;
        return send(res, 503, errorBody('UNAVAILABLE', 'try later'));
      }
      const serve = () => {
        let data = blob;
        if (f.corrupt?.has(ref)) {
          data = Buffer.from(blob);
          data[data.length >> 1] ^= 0x55;
        }
        if (f.resets && f.resets > 0) {
          f.resets--;
          res.writeHead(200, { 'content-length': String(data.length) });
          res.write(data.subarray(0, data.length >> 1));
          setTimeout(() => res.socket?.destroy(), 10);
          return;
        }
        send(res, 200, data, { 'content-type': 'application/octet-stream' });
      };
      if (f.delayMs) setTimeout(serve, f.delayMs);
      else serve();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  reg.address = `127.0.0.1:${port}`;
  reg.url = `http://127.0.0.1:${port}`;
  reg.link = (repo: string, digest: string) => links.add(`${repo}@${digest}`);
  reg.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return reg;
}

export interface PushedImage {
  manifest: Buffer;
  manifestDigest: Digest;
  config: Buffer;
  configDigest: Digest;
  layers: Buffer[];
  layerDigests: Digest[];
  diffIds: Digest[];
  tars: Buffer[];
}

/** Put an image (gzip layers, OCI manifest) into the fake registry under repo:tag. */
export function addImage(reg: FakeRegistry, repo: string, tag: string, layerFiles: TarInput[][], platform = { os: 'linux', architecture: hostArch() }): PushedImage {
  const tars = layerFiles.map((files) => makeTar(files));
  const layers = tars.map((t) => gzipSync(t));
  const diffIds = tars.map((t) => sha(t));
  const config = Buffer.from(JSON.stringify({ ...platform, created: '2024-05-06T07:08:09Z', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: diffIds } }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha(l), size: l.length })),
    }),
  );
  reg.blobs.set(sha(config), config);
  layers.forEach((l) => reg.blobs.set(sha(l), l));
  for (const b of [config, ...layers]) reg.link(repo, sha(b));
  const type = 'application/vnd.oci.image.manifest.v1+json';
  reg.manifests.set(`${repo}:${tag}`, { body: manifest, type });
  reg.manifests.set(`${repo}@${sha(manifest)}`, { body: manifest, type });
  return { manifest, manifestDigest: sha(manifest), config, configDigest: sha(config), layers, layerDigests: layers.map(sha), diffIds, tars };
}

/** An index over images already added, with their platforms; stored under repo:tag. */
export function addIndex(reg: FakeRegistry, repo: string, tag: string, entries: { image: PushedImage; platform: { os: string; architecture: string; variant?: string } }[], docker = false): Digest {
  const body = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: docker ? 'application/vnd.docker.distribution.manifest.list.v2+json' : 'application/vnd.oci.image.index.v1+json',
      manifests: entries.map((e) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: e.image.manifestDigest, size: e.image.manifest.length, platform: e.platform })),
    }),
  );
  const type = docker ? 'application/vnd.docker.distribution.manifest.list.v2+json' : 'application/vnd.oci.image.index.v1+json';
  reg.manifests.set(`${repo}:${tag}`, { body, type });
  reg.manifests.set(`${repo}@${sha(body)}`, { body, type });
  return sha(body);
}

export function hostArch(): string {
  return ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch] ?? process.arch;
}
