// `sandbox pull` from the test registry (Debian's docker-registry, images pushed by skopeo), as
// a docker user sees it: by tag and by digest, OCI and Docker schema 2 manifests, output lines,
// an unknown tag, and the pulled image running.
import test from 'ava';
import { runSandbox } from '../../helpers/cli.js';
import { needs } from '../../helpers/facility.js';
import { fixtures, testRegistry } from '../../helpers/fixtures.js';
import { imageHome } from './registries.js';

const PULL_NEEDS = ['cli', 'monitor', 'fixtures', 'registry', 'unprivileged', 'userns', 'subids', 'newidmap'] as const;
const withRegistry = needs(test, PULL_NEEDS, 'pulls from the test registry and unpacks as the test user');

const short = (d: string) => d.slice(7, 19);

withRegistry('pull by tag prints docker\'s lines and the full name; a second pull is up to date', async (t) => {
  const home = await imageHome(t);
  const reg = testRegistry();
  const fx = fixtures();
  const name = `${reg.address}/lab/busybox`;
  const r = await runSandbox(['pull', name], { env: home.env });
  t.is(r.code, 0, r.stderr);
  t.is(r.stderr, '');
  const lines = r.stdout.trimEnd().split('\n');
  t.deepEqual(lines.slice(0, 2), ['Using default tag: latest', 'latest: Pulling from lab/busybox']);
  t.deepEqual(lines.slice(-3), [`Digest: ${fx.busybox.manifestDigest}`, `Status: Downloaded newer image for ${name}:latest`, `${name}:latest`]);
  const layerLines = lines.slice(2, -3).sort();
  const expected = fx.layers.flatMap((l) => ['Pulling fs layer', 'Verifying Checksum', 'Download complete', 'Pull complete'].map((s) => `${short(l.digest)}: ${s}`)).sort();
  t.deepEqual(layerLines, expected);

  const again = await runSandbox(['pull', `${name}:latest`], { env: home.env });
  t.is(again.code, 0, again.stderr);
  t.deepEqual(again.stdout.trimEnd().split('\n'), ['latest: Pulling from lab/busybox', `Digest: ${fx.busybox.manifestDigest}`, `Status: Image is up to date for ${name}:latest`, `${name}:latest`]);
});

withRegistry('pull by digest records the repo digest and no tag; -q prints only the name', async (t) => {
  const home = await imageHome(t);
  const reg = testRegistry();
  const fx = fixtures();
  const ref = `${reg.address}/lab/busybox@${fx.busybox.manifestDigest}`;
  const r = await runSandbox(['pull', '-q', ref], { env: home.env });
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, `${ref}\n`);
  const images = await runSandbox(['images', '--digests', '--format', '{{.Repository}} {{.Tag}} {{.Digest}} {{.ID}}'], { env: home.env });
  t.is(images.stdout, `${reg.address}/lab/busybox <none> ${fx.busybox.manifestDigest} ${short(fx.busybox.configDigest)}\n`);
  const inspect = await runSandbox(['image', 'inspect', '--format', '{{json .RepoDigests}} {{json .RepoTags}}', ref], { env: home.env });
  t.is(inspect.stdout, `["${ref}"] []\n`);
});

withRegistry('a Docker schema 2 manifest pulls to the same image as the OCI one', async (t) => {
  const home = await imageHome(t);
  const reg = testRegistry();
  const r = await runSandbox(['pull', '-q', reg.busyboxAppV2s2], { env: home.env });
  t.is(r.code, 0, r.stderr);
  const id = await runSandbox(['images', '-q', '--no-trunc'], { env: home.env });
  t.is(id.stdout, `${fixtures().busyboxApp.configDigest}\n`);
});

withRegistry('an unknown tag is docker\'s "manifest unknown", exit 125, nothing stored', async (t) => {
  const home = await imageHome(t);
  const reg = testRegistry();
  const r = await runSandbox(['pull', `${reg.address}/lab/busybox:nope`], { env: home.env });
  t.is(r.code, 125);
  t.is(r.stderr, `sandbox: manifest for ${reg.address}/lab/busybox:nope not found: manifest unknown: manifest unknown\n`);
  t.is((await runSandbox(['images', '-q'], { env: home.env })).stdout, '');
});

withRegistry('an image pulled from the registry runs', async (t) => {
  const home = await imageHome(t);
  const reg = testRegistry();
  t.is((await runSandbox(['pull', '-q', reg.busybox], { env: home.env })).code, 0);
  const r = await runSandbox(['run', '--rm', reg.busybox, 'cat', '/etc/upper-added'], { env: home.env });
  t.is(r.stdout, 'upper\n', r.stderr);
  t.is(r.code, 0);
});

withRegistry('pull -a pulls every tag of the repository, then names the repository', async (t) => {
  const home = await imageHome(t);
  const reg = testRegistry();
  const repo = `${reg.address}/lab/busybox`;
  const r = await runSandbox(['pull', '-a', repo], { env: home.env });
  t.is(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  t.true(lines.includes('latest: Pulling from lab/busybox'));
  t.true(lines.includes('v2s2: Pulling from lab/busybox'));
  t.deepEqual(lines.slice(-2), [`Status: Downloaded newer image for ${repo}`, repo]);
  const tags = await runSandbox(['images', '--format', '{{.Tag}}', repo], { env: home.env });
  t.deepEqual(tags.stdout.trim().split('\n').sort(), ['latest', 'v2s2']);
  const refused = await runSandbox(['pull', '-a', `${repo}:latest`], { env: home.env });
  t.is(refused.stderr, "sandbox: tag can't be used with --all-tags/-a\n");
});
