// The registry client's pure parts: challenges, credentials files, endpoints, error wording,
// backoff, tokens and manifest checks.
import test from 'ava';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageError } from '../../../src/errors.js';
import { tokenFromResponse } from '../../../src/image/registry/auth.js';
import { parseChallenges, pickChallenge, repositoryScope } from '../../../src/image/registry/challenge.js';
import {
  authFileForWrite,
  authFilesForRead,
  findCredentials,
  lookupCredentials,
  registryKey,
  removeCredentials,
  storeCredentials,
  withCredentials,
} from '../../../src/image/registry/credentials.js';
import { endpointsFor, isLoopback } from '../../../src/image/registry/endpoint.js';
import { describeRegistryErrors } from '../../../src/image/registry/errors.js';
import { backoffDelay, DEFAULT_RETRY, sendFollowingRedirects, sendWithRetries } from '../../../src/image/registry/http.js';
import { parseRegistryManifest, verifyManifest } from '../../../src/image/registry/manifest.js';
import { sha } from './fake-registry.js';

test('WWW-Authenticate: bearer with quoted params, basic, several challenges in one header', (t) => {
  const [bearer] = parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"');
  t.deepEqual(bearer, { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' } });
  const both = parseChallenges(['Basic realm="Registry Realm"', 'Bearer realm="http://x/token",service=reg']);
  t.deepEqual(both.map((c) => c.scheme), ['basic', 'bearer']);
  t.is(pickChallenge(both)!.scheme, 'bearer', 'bearer preferred');
  t.deepEqual(parseChallenges('Basic realm="a \\"quoted\\" realm", charset="UTF-8"')[0]!.params, { realm: 'a "quoted" realm', charset: 'UTF-8' });
  t.deepEqual(parseChallenges(undefined), []);
  t.is(repositoryScope('lab/app', ['pull', 'push']), 'repository:lab/app:pull,push');
});

test('login servers have one spelling: no scheme, no path, Docker Hub aliases folded', (t) => {
  t.is(registryKey('https://index.docker.io/v1/'), 'docker.io');
  t.is(registryKey('registry-1.docker.io'), 'docker.io');
  t.is(registryKey('http://127.0.0.1:5000/v2/'), '127.0.0.1:5000');
  t.is(registryKey('Quay.IO'), 'quay.io');
});

test('credentials: podman auth.json first, then docker config.json; base64 user:password', (t) => {
  const doc = { auths: { 'https://index.docker.io/v1/': { auth: Buffer.from('u:p:with:colons').toString('base64') }, 'reg:5000': { username: 'a', password: 'b' } } };
  t.deepEqual(findCredentials(doc, 'docker.io'), { username: 'u', password: 'p:with:colons' });
  t.deepEqual(findCredentials(doc, 'reg:5000'), { username: 'a', password: 'b' });
  t.is(findCredentials(doc, 'other'), undefined);
  t.throws(() => findCredentials({ auths: { x: { auth: Buffer.from('nocolon').toString('base64') } } }, 'x', 'f.json'), {
    instanceOf: ImageError,
    message: "the credentials for x in f.json are malformed (auth is not base64 of user:password); log in again with 'sandbox login x'",
  });
  const env = { HOME: '/h', XDG_RUNTIME_DIR: '/run/user/7' };
  t.is(authFileForWrite(env), '/run/user/7/containers/auth.json');
  t.is(authFileForWrite({ HOME: '/h' }), '/h/.config/containers/auth.json');
  t.is(authFileForWrite({ ...env, REGISTRY_AUTH_FILE: '/x.json' }), '/x.json');
  t.deepEqual(authFilesForRead(env), ['/run/user/7/containers/auth.json', '/h/.config/containers/auth.json', '/h/.docker/config.json']);
  const { doc: next } = withCredentials({ auths: { 'http://reg:5000': { auth: 'old' }, keep: { auth: 'k' } }, credsStore: 'x' }, 'reg:5000', { username: 'n', password: 'p' });
  t.deepEqual(next, { auths: { keep: { auth: 'k' }, 'reg:5000': { auth: Buffer.from('n:p').toString('base64') } }, credsStore: 'x' });
});

test('storeCredentials writes the auth file 0600 (directory 0700) atomically; removeCredentials takes the entry out', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'creds-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const env = { HOME: root, XDG_RUNTIME_DIR: join(root, 'run') };
  const file = await storeCredentials('reg:5000', { username: 'u', password: 'p' }, env);
  t.is(file, join(root, 'run', 'containers', 'auth.json'));
  t.is((await stat(file)).mode & 0o777, 0o600);
  t.is((await stat(join(root, 'run', 'containers'))).mode & 0o777, 0o700);
  t.deepEqual(JSON.parse(await readFile(file, 'utf8')), { auths: { 'reg:5000': { auth: Buffer.from('u:p').toString('base64') } } });
  t.deepEqual((await lookupCredentials('http://reg:5000', env))?.credentials, { username: 'u', password: 'p' });
  t.true(await removeCredentials('reg:5000', env));
  t.false(await removeCredentials('reg:5000', env));
  t.is(await lookupCredentials('reg:5000', env), undefined);
});

test('endpoints: plain http on loopback, https elsewhere, insecure https then http when asked', (t) => {
  t.true(isLoopback('127.0.0.1:5000'));
  t.true(isLoopback('127.8.9.10'));
  t.true(isLoopback('localhost:5000'));
  t.true(isLoopback('[::1]:5000'));
  t.false(isLoopback('10.0.0.1:5000'));
  t.deepEqual(endpointsFor('127.0.0.1:5000'), [{ base: 'http://127.0.0.1:5000', insecureTls: false }]);
  t.deepEqual(endpointsFor('docker.io'), [{ base: 'https://registry-1.docker.io', insecureTls: false }]);
  t.deepEqual(endpointsFor('reg.lan:5000'), [{ base: 'https://reg.lan:5000', insecureTls: false }]);
  const insecure = [
    { base: 'https://reg.lan:5000', insecureTls: true },
    { base: 'http://reg.lan:5000', insecureTls: false },
  ];
  t.deepEqual(endpointsFor('reg.lan:5000', { tlsVerify: false }), insecure);
  t.deepEqual(endpointsFor('reg.lan:5000', { insecureRegistries: ['reg.lan:5000'] }), insecure);
});

test("registry errors are worded as docker words them", (t) => {
  t.is(describeRegistryErrors(404, JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: {} }] })), 'manifest unknown: manifest unknown');
  t.is(describeRegistryErrors(401, JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] })), 'unauthorized: authentication required');
  t.is(describeRegistryErrors(502, '<html>bad gateway</html>'), '502 Bad Gateway');
});

test('backoff doubles with jitter, is capped, and honours Retry-After', (t) => {
  t.is(backoffDelay(DEFAULT_RETRY, 1, undefined, () => 0.5), 200);
  t.is(backoffDelay(DEFAULT_RETRY, 3, undefined, () => 0.5), 800);
  t.is(backoffDelay(DEFAULT_RETRY, 10, undefined, () => 0.5), 3000);
  t.is(backoffDelay(DEFAULT_RETRY, 1, '2', () => 0.5), 2000);
});

test('tokens: docker `token` or OAuth `access_token`, renewed 10 s before they expire', (t) => {
  t.deepEqual(tokenFromResponse({ token: 'abc', expires_in: 300 }, 1000), { value: 'abc', expires: 1000 + 290_000 });
  t.deepEqual(tokenFromResponse({ access_token: 'xyz' }, 0), { value: 'xyz', expires: 50_000 });
  t.is(tokenFromResponse({}, 0), undefined);
});

test('manifest bytes are checked against the digest asked for and the one the registry claims; schema 1 is refused', (t) => {
  const bytes = Buffer.from('{"schemaVersion":2}');
  t.is(verifyManifest(bytes, 'x', sha(bytes), undefined), sha(bytes));
  t.throws(() => verifyManifest(bytes, 'x', undefined, sha('other')), { message: /the registry says its digest is sha256:[0-9a-f]+, its content is/ });
  t.throws(() => parseRegistryManifest(Buffer.from('{"schemaVersion":1,"fsLayers":[]}'), 'application/vnd.docker.distribution.manifest.v1+prettyjws', 'busybox:old'), {
    message: 'busybox:old is a Docker schema 1 manifest, which is deprecated and not supported; push the image again with a current tool (schema 2 or OCI)',
  });
});

test('http: 5xx answers are retried up to the limit, redirects to another origin drop Authorization', async (t) => {
  let hits = 0;
  const seen: (string | undefined)[] = [];
  const other = http.createServer((req, res) => {
    seen.push(req.headers.authorization);
    res.end('moved here');
  });
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
  const server = http.createServer((req, res) => {
    if (req.url === '/flaky') {
      hits++;
      res.statusCode = hits < 3 ? 503 : 200;
      res.end('ok');
      return;
    }
    res.writeHead(307, { location: `http://127.0.0.1:${(other.address() as AddressInfo).port}/there` });
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    server.closeAllConnections();
    other.closeAllConnections();
    server.close();
    other.close();
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const r = await sendWithRetries({ method: 'GET', url: new URL(`${base}/flaky`) }, { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 });
  t.is(r.status, 200);
  t.is(hits, 3);
  r.body.resume();
  const moved = await sendFollowingRedirects({ method: 'GET', url: new URL(`${base}/here`), headers: { authorization: 'Bearer secret' } });
  moved.body.resume();
  t.is(moved.status, 200);
  t.deepEqual(seen, [undefined]);
});

test('TLS: an unverifiable certificate is refused naming the fix; insecure registries use https without verification, then plain http', async (t) => {
  const { execFileSync } = await import('node:child_process');
  const https = await import('node:https');
  const { RegistryClient } = await import('../../../src/image/registry/client.js');
  const dir = await mkdtemp(join(tmpdir(), 'tls-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=reg.test'], { stdio: 'ignore' });
  const answer = (_req: http.IncomingMessage, res: http.ServerResponse) => res.end('{}');
  const tls = https.createServer({ key: await readFile(join(dir, 'k.pem')), cert: await readFile(join(dir, 'c.pem')) }, answer);
  const plain = http.createServer(answer);
  await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    for (const s of [tls, plain]) {
      s.closeAllConnections();
      s.close();
    }
  });
  const tlsBase = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
  const plainPort = (plain.address() as AddressInfo).port;
  const env = { HOME: dir, XDG_CONFIG_HOME: join(dir, 'cfg') };

  const strict = new RegistryClient('reg.test:443', { env, endpoints: [{ base: tlsBase, insecureTls: false }] });
  await t.throwsAsync(strict.ping(), {
    instanceOf: ImageError,
    message: new RegExp(`^TLS connection to reg\\.test:443 failed \\(.*\\); if you trust this registry without a valid certificate, pass --tls-verify=false or add it to "insecure-registries" in ${join(dir, 'cfg', 'sandbox', 'registries.json')}$`),
  });
  const insecure = new RegistryClient('reg.test:443', { env, endpoints: [{ base: tlsBase, insecureTls: true }] });
  t.is((await insecure.ping()).status, 200);
  const fallback = new RegistryClient('reg.test', {
    env,
    endpoints: [
      { base: `https://127.0.0.1:${plainPort}`, insecureTls: true },
      { base: `http://127.0.0.1:${plainPort}`, insecureTls: false },
    ],
  });
  t.is((await fallback.ping()).status, 200);
  t.is(fallback.base, `http://127.0.0.1:${plainPort}`, 'the server speaks no TLS: plain http');
});

test('registries.json lists insecure registries; a broken file is named', async (t) => {
  const { readInsecureRegistries } = await import('../../../src/image/registry/endpoint.js');
  const { writeFileAtomic } = await import('../../../src/state/atomic.js');
  const dir = await mkdtemp(join(tmpdir(), 'regconf-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const env = { HOME: dir, XDG_CONFIG_HOME: dir };
  t.deepEqual(readInsecureRegistries(env), []);
  await writeFileAtomic(join(dir, 'sandbox', 'registries.json'), JSON.stringify({ 'insecure-registries': ['reg.lan:5000'] }));
  t.deepEqual(readInsecureRegistries(env), ['reg.lan:5000']);
  await writeFileAtomic(join(dir, 'sandbox', 'registries.json'), '{oops');
  t.throws(() => readInsecureRegistries(env), { message: `${join(dir, 'sandbox', 'registries.json')} is not valid JSON; expected {"insecure-registries": ["host:port", ...], "blocked-registries": [...]}` });
});

test('blocked-registries refuses a named registry, and "*" every registry but loopback ones', async (t) => {
  const { checkNotBlocked } = await import('../../../src/image/registry/endpoint.js');
  const { writeFileAtomic } = await import('../../../src/state/atomic.js');
  const dir = await mkdtemp(join(tmpdir(), 'regconf-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const env = { HOME: dir, XDG_CONFIG_HOME: dir };
  t.notThrows(() => checkNotBlocked('docker.io', env));
  await writeFileAtomic(join(dir, 'sandbox', 'registries.json'), JSON.stringify({ 'blocked-registries': ['docker.io'] }));
  t.throws(() => checkNotBlocked('docker.io', env), { message: /registry docker\.io is blocked by .*registries\.json/ });
  t.notThrows(() => checkNotBlocked('quay.io', env));
  await writeFileAtomic(join(dir, 'sandbox', 'registries.json'), JSON.stringify({ 'blocked-registries': ['*'] }));
  t.throws(() => checkNotBlocked('quay.io', env));
  t.notThrows(() => checkNotBlocked('127.0.0.1:5000', env));
  t.notThrows(() => checkNotBlocked('localhost:5000', env));
});
