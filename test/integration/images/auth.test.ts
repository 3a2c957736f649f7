// Registries that want credentials, each a real docker-registry started by the test: htpasswd
// basic auth, and token auth with a token server here signing RS256 JWTs. login checks the
// credentials and writes $XDG_RUNTIME_DIR/containers/auth.json (0600); pull and push use them;
// logout removes them; docker's ~/.docker/config.json is read too.
import test from 'ava';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runSandbox } from '../../helpers/cli.js';
import { needs } from '../../helpers/facility.js';
import { fixtures } from '../../helpers/fixtures.js';
import { have, imageHome, pushFixture, startRegistry, startTokenServer } from './registries.js';

const NEEDS = ['cli', 'monitor', 'fixtures', 'unprivileged', 'userns', 'subids', 'newidmap'] as const;
const tools = ['docker-registry', 'skopeo', 'htpasswd', 'openssl'].filter((x) => !have(x));
const withAuth = tools.length === 0 ? needs(test, NEEDS, 'starts authenticated registries') : needs(test, false, `${tools.join(', ')} (apt-get install docker-registry skopeo apache2-utils openssl)`);

withAuth('basic auth: refused without login, wrong password refused, login/pull/push/logout as docker', async (t) => {
  const fx = fixtures();
  const reg = await startRegistry(t, { kind: 'htpasswd', user: 'alice', password: 'wonderland' });
  await pushFixture(fx.ociLayout, fx.busybox.name, reg, 'lab/busybox:latest', 'alice:wonderland');
  const home = await imageHome(t);
  const sb = (args: string[], input?: string) => runSandbox(args, { env: home.env, ...(input !== undefined ? { input } : {}) });
  const ref = `${reg.address}/lab/busybox:latest`;

  const anonymous = await sb(['pull', ref]);
  t.is(anonymous.code, 125);
  t.is(anonymous.stderr, `sandbox: pull access denied for ${reg.address}/lab/busybox, repository does not exist or may require 'sandbox login': unauthorized: authentication required\n`);

  const wrong = await sb(['login', '-u', 'alice', '--password-stdin', reg.address], 'nope\n');
  t.is(wrong.code, 125);
  t.is(wrong.stderr, `sandbox: login attempt to http://${reg.address}/v2/ failed with status: 401 Unauthorized\n`);
  const noTty = await sb(['login', reg.address]);
  t.is(noTty.stderr, 'sandbox: Cannot perform an interactive login from a non TTY device\n');

  const ok = await sb(['login', '-u', 'alice', '--password-stdin', reg.address], 'wonderland\n');
  t.is(ok.code, 0, ok.stderr);
  t.is(ok.stdout, 'Login Succeeded\n');
  const authFile = join(home.env.XDG_RUNTIME_DIR!, 'containers', 'auth.json');
  t.is((await stat(authFile)).mode & 0o777, 0o600);
  t.deepEqual(JSON.parse(await readFile(authFile, 'utf8')), { auths: { [reg.address]: { auth: Buffer.from('alice:wonderland').toString('base64') } } });

  t.is((await sb(['pull', '-q', ref])).code, 0);
  t.is((await sb(['tag', ref, `${reg.address}/lab/copy:v1`])).code, 0);
  const pushed = await sb(['push', `${reg.address}/lab/copy:v1`]);
  t.is(pushed.code, 0, pushed.stderr);
  t.is(pushed.stdout.split('\n')[0], `The push refers to repository [${reg.address}/lab/copy]`);
  t.true(pushed.stdout.includes(`v1: digest: ${fx.busybox.manifestDigest} size: `));

  const out = await sb(['logout', reg.address]);
  t.is(out.stdout, `Removing login credentials for ${reg.address}\n`);
  t.is((await sb(['logout', reg.address])).stdout, `Not logged in to ${reg.address}\n`);
  t.is((await sb(['pull', `${reg.address}/lab/copy:v1`])).code, 125, 'logged out: refused again');

  // Credentials docker login saved are used as they are.
  await mkdir(join(home.env.HOME!, '.docker'), { recursive: true });
  await writeFile(join(home.env.HOME!, '.docker', 'config.json'), JSON.stringify({ auths: { [`http://${reg.address}`]: { auth: Buffer.from('alice:wonderland').toString('base64') } } }));
  const viaDocker = await sb(['pull', '-q', `${reg.address}/lab/copy:v1`]);
  t.is(viaDocker.code, 0, viaDocker.stderr);
});

withAuth('token auth: the token server is asked with the credentials; push uploads, the pushed image pulls back', async (t) => {
  const fx = fixtures();
  const tokens = await startTokenServer(t, 'bob', 'builder');
  const reg = await startRegistry(t, { kind: 'token', server: tokens });
  const home = await imageHome(t);
  const sb = (args: string[], input?: string) => runSandbox(args, { env: home.env, ...(input !== undefined ? { input } : {}) });

  const bad = await sb(['login', '-u', 'bob', '-p', 'wrong', reg.address]);
  t.is(bad.code, 125);
  t.is(bad.stderr, `WARNING! Using --password via the CLI is insecure. Use --password-stdin.\nsandbox: unauthorized: incorrect username or password for ${reg.address}; log in again with 'sandbox login ${reg.address}'\n`);
  t.is((await sb(['login', '-u', 'bob', '--password-stdin', reg.address], 'builder')).stdout, 'Login Succeeded\n');

  // An image the registry has never seen: every blob is uploaded.
  t.is((await sb(['load', '-i', fx.busyboxApp.dockerArchive])).code, 0);
  const target = `${reg.address}/team/app:1.0`;
  t.is((await sb(['tag', 'lab/busybox-app', target])).code, 0);
  const pushed = await sb(['push', target]);
  t.is(pushed.code, 0, pushed.stderr);
  const ids = fx.layers.map((l) => l.diffId.slice(7, 19));
  t.true(ids.every((id) => pushed.stdout.includes(`${id}: Pushed\n`)), pushed.stdout);
  t.true(tokens.requests.some((r) => r.basic && r.scopes.includes('repository:team/app:pull,push')));

  const other = await imageHome(t);
  const anonymous = await runSandbox(['pull', target], { env: other.env });
  t.is(anonymous.code, 125, 'an anonymous token grants nothing here');
  t.is(anonymous.stderr, `sandbox: pull access denied for ${reg.address}/team/app, repository does not exist or may require 'sandbox login': unauthorized: authentication required\n`);
  t.is((await runSandbox(['login', '-u', 'bob', '--password-stdin', reg.address], { env: other.env, input: 'builder\n' })).code, 0);
  const back = await runSandbox(['pull', '-q', target], { env: other.env });
  t.is(back.code, 0, back.stderr);
  t.is((await runSandbox(['images', '-q', '--no-trunc'], { env: other.env })).stdout, `${fx.busyboxApp.configDigest}\n`);
  const ran = await runSandbox(['run', '--rm', target, 'cat', '/etc/upper-added'], { env: other.env });
  t.is(ran.stdout, 'entrypoint: APP_MODE=fixture\nupper\n', ran.stderr); // the image's entrypoint speaks first
});
