// Real registries for the image tests: Debian's docker-registry on a free 127.0.0.1 port, run
// by the test user with a config written here, open, with htpasswd basic auth (bcrypt, made by
// apache2-utils' htpasswd -B), or with token auth whose token server is a node:http server in
// the test signing RS256 JWTs with a key whose self-signed certificate (openssl req -x509) is
// the registry's rootcertbundle. Also a proxy that can stall blob downloads (the killed-pull
// test) and helpers to make a home and push fixture images with skopeo.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createSign, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ExecutionContext } from 'ava';
import { makeSandboxHome, type SandboxHome } from '../../helpers/cli.js';

const run = promisify(execFile);

export function have(tool: string): boolean {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) if (dir && existsSync(join(dir, tool))) return true;
  return false;
}

/** A sandbox home whose auth file is its own ($XDG_RUNTIME_DIR inside the home). */
export async function imageHome(t: ExecutionContext<unknown>): Promise<SandboxHome> {
  const home = await makeSandboxHome(t);
  const xdgRun = join(home.root, 'xdg-run');
  await mkdir(xdgRun, { mode: 0o700 });
  home.env.XDG_RUNTIME_DIR = xdgRun;
  return home;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, child: ChildProcess, log: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited at start: ${await readFile(log, 'utf8').catch(() => '')}`);
    const ok = await new Promise<boolean>((resolve) => {
      http.get(url, (res) => {
        res.resume();
        resolve(res.statusCode === 200 || res.statusCode === 401);
      }).on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`docker-registry did not answer on ${url} within 5 s`);
}

export interface Registry {
  address: string;
  dir: string;
  /** Where the registry keeps blob `digest` on disk. */
  blobData(digest: string): string;
  stop(): Promise<void>;
}

export type RegistryAuth = { kind: 'none' } | { kind: 'htpasswd'; user: string; password: string } | { kind: 'token'; server: TokenServer };

/** Start docker-registry; stopped by the test's teardown. */
export async function startRegistry(t: ExecutionContext<unknown>, auth: RegistryAuth = { kind: 'none' }): Promise<Registry> {
  const dir = await mkdtemp(join(tmpdir(), 'sandbox-reg-'));
  let authYaml = '';
  if (auth.kind === 'htpasswd') {
    const { stdout } = await run('htpasswd', ['-Bbn', auth.user, auth.password]);
    await writeFile(join(dir, 'htpasswd'), stdout);
    authYaml = `auth:\n  htpasswd:\n    realm: sandbox-test\n    path: ${dir}/htpasswd\n`;
  } else if (auth.kind === 'token') {
    authYaml = `auth:\n  token:\n    realm: ${auth.server.url}/token\n    service: ${auth.server.service}\n    issuer: ${auth.server.issuer}\n    rootcertbundle: ${auth.server.certFile}\n`;
  }
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const config = `version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${dir}/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
${authYaml}`;
    await writeFile(join(dir, 'config.yml'), config);
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_')));
    const log = join(dir, 'registry.log');
    const { openSync } = await import('node:fs');
    const fd = openSync(log, 'w');
    const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { env, stdio: ['ignore', fd, fd] });
    try {
      await waitFor(`http://127.0.0.1:${port}/v2/`, child, log);
    } catch (err) {
      child.kill('SIGKILL');
      if (attempt < 3 && /address already in use/.test(await readFile(log, 'utf8').catch(() => ''))) continue;
      throw err;
    }
    const reg: Registry = {
      address: `127.0.0.1:${port}`,
      dir,
      blobData: (digest) => join(dir, 'storage', 'docker', 'registry', 'v2', 'blobs', 'sha256', digest.slice(7, 9), digest.slice(7), 'data'),
      async stop() {
        if (child.exitCode === null) {
          child.kill('SIGTERM');
          await new Promise((r) => child.once('exit', r));
        }
        await rm(dir, { recursive: true, force: true });
      },
    };
    t.teardown(() => reg.stop());
    return reg;
  }
}

export interface TokenServer {
  url: string;
  service: string;
  issuer: string;
  certFile: string;
  /** Token requests seen: whether they carried credentials, and their scopes. */
  requests: { basic: boolean; scopes: string[] }[];
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/**
 * A token server: Basic credentials `user:password` get the actions they ask for; anonymous
 * requests get a token with no access at all (so the registry refuses them). RS256 JWTs carry
 * the certificate in x5c, which docker-registry checks against its rootcertbundle.
 */
export async function startTokenServer(t: ExecutionContext<unknown>, user: string, password: string): Promise<TokenServer> {
  const dir = await mkdtemp(join(tmpdir(), 'sandbox-token-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=sandbox-test-token'], { stdio: 'ignore' });
  const key = readFileSync(keyFile, 'utf8');
  const der = Buffer.from(readFileSync(certFile, 'utf8').replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const service = 'sandbox-test-registry';
  const issuer = 'sandbox-test-issuer';
  const requests: TokenServer['requests'] = [];
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    const scopes = url.searchParams.getAll('scope');
    const basic = req.headers.authorization !== undefined;
    requests.push({ basic, scopes });
    if (basic && req.headers.authorization !== expected) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'incorrect username or password' }] }));
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    const access = basic
      ? scopes.map((s) => {
          const [type, ...rest] = s.split(':');
          const actions = rest.pop()!.split(',');
          return { type, name: rest.join(':'), actions };
        })
      : [];
    const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', x5c: [der.toString('base64')] }));
    const claims = b64url(JSON.stringify({ iss: issuer, sub: basic ? user : '', aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access }));
    const signature = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(key).toString('base64url');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token: `${header}.${claims}.${signature}`, expires_in: 300 }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, service, issuer, certFile, requests };
}

/** Copy a fixture image (OCI layout) into a registry with skopeo, as `repo:tag`. */
export async function pushFixture(ociLayout: string, name: string, reg: Registry, target: string, creds?: string): Promise<void> {
  const args = ['--insecure-policy', 'copy', '--quiet', '--dest-tls-verify=false', ...(creds ? ['--dest-creds', creds] : []), `oci:${ociLayout}:${name}`, `docker://${reg.address}/${target}`];
  await run('skopeo', args);
}

/**
 * A proxy in front of a registry. While `stall` is set, a blob download sends half its bytes and
 * then waits (calling `onStall`); clearing it lets new downloads through whole.
 */
export interface StallingProxy {
  address: string;
  stall: boolean;
  /** Only blobs larger than this stall (layers, not configs). */
  minSize: number;
  onStall?: () => void;
  close(): Promise<void>;
}

export async function startStallingProxy(t: ExecutionContext<unknown>, upstream: string): Promise<StallingProxy> {
  const proxy: StallingProxy = { address: '', stall: true, minSize: 64 << 10, close: async () => undefined };
  const held: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    const up = http.request(`http://${upstream}${req.url}`, { method: req.method, headers: { ...req.headers, host: upstream } }, (ur) => {
      const isBlob = req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '') && ur.statusCode === 200;
      const large = Number(ur.headers['content-length'] ?? 0) > proxy.minSize;
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      if (!isBlob || !large || !proxy.stall) {
        ur.pipe(res);
        return;
      }
      const total = Number(ur.headers['content-length'] ?? 0);
      let sent = 0;
      ur.on('data', (chunk: Buffer) => {
        if (sent >= total / 2) return;
        const part = chunk.subarray(0, Math.max(0, Math.ceil(total / 2) - sent));
        sent += part.length;
        res.write(part);
        if (sent >= total / 2) {
          held.push(res);
          proxy.onStall?.();
        }
      });
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  proxy.address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((r) => {
      for (const h of held) h.destroy();
      server.closeAllConnections();
      server.close(() => r());
    });
  t.teardown(() => proxy.close());
  return proxy;
}
