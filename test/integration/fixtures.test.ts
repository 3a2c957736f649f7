// The fixture images, as a user sees them with tar and jq: what make-images.sh promises the
// rest of the suite (ARCHITECTURE.md section 11, "Test busybox image"), and what skopeo keeps
// when it writes the archives and pushes to the test registry.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { fixtures, testRegistry } from '../helpers/fixtures.js';
import { needs } from '../helpers/facility.js';

const withImages = needs(test, 'fixtures', 'reads the fixture images');
const withRegistry = needs(test, ['fixtures', 'registry'], 'reads the test registry');

const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** `tar -tvf`, one "mode owner/group name[ -> target]" string per entry. */
function listing(archive: string): string[] {
  return execFileSync('tar', ['--numeric-owner', '-tvf', archive], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => {
      const f = l.split(/\s+/);
      return [f[0], f[1], ...f.slice(5)].join(' ');
    });
}

function member(archive: string, name: string): string {
  return execFileSync('tar', ['-xOf', archive, name], { encoding: 'utf8' });
}

function jq(filter: string, json: string): unknown {
  return JSON.parse(execFileSync('jq', ['-c', filter], { input: json, encoding: 'utf8' }));
}

/** The Docker image config inside a docker-archive (docker save layout). */
function dockerArchiveConfig(archive: string): Record<string, unknown> {
  const manifest = member(archive, 'manifest.json');
  return JSON.parse(member(archive, jq('.[0].Config', manifest) as string));
}

/** The config blob of the one image in an oci-archive, through index.json and its manifest. */
function ociArchiveConfig(archive: string): Record<string, unknown> {
  const blob = (digest: string) => member(archive, `blobs/sha256/${digest.replace('sha256:', '')}`);
  const manifest = blob(jq('.manifests[0].digest', member(archive, 'index.json')) as string);
  return JSON.parse(blob(jq('.config.digest', manifest) as string));
}

withImages('layer 1: static busybox with a link per applet, root-owned except /home/owned-by-1000', (t) => {
  const entries = listing(fixtures().layers[0].tar);
  t.true(entries.includes('-rwxr-xr-x 0/0 bin/busybox'));
  t.true(entries.includes('lrwxrwxrwx 0/0 bin/sh -> busybox'));
  t.true(entries.includes('lrwxrwxrwx 0/0 bin/id -> busybox'));
  t.true(entries.includes('lrwxrwxrwx 0/0 sbin -> bin'));
  t.true(entries.includes('lrwxrwxrwx 0/0 usr/bin -> ../bin'));
  t.true(entries.includes('lrwxrwxrwx 0/0 usr/sbin -> ../bin'));
  t.true(entries.includes('drwxrwxrwt 0/0 tmp/'));
  t.true(entries.includes('drwx------ 0/0 root/'));
  t.true(entries.includes('drwxr-xr-x 0/0 var/www/'));
  t.true(entries.includes('-rw-r--r-- 0/0 etc/lower-only'));
  t.true(entries.includes('-rw-r--r-- 1000/1000 home/owned-by-1000'));
  t.deepEqual(entries.filter((e) => e.split(' ')[1] !== '0/0'), ['-rw-r--r-- 1000/1000 home/owned-by-1000']);
  t.false(entries.some((e) => /^(\.\/|\/)/.test(e.split(' ')[2]!)), 'names carry no ./ or / prefix, as docker layers');
});

withImages('layer 1: /etc/passwd and /etc/group are the official busybox image\'s', (t) => {
  const tar = fixtures().layers[0].tar;
  t.is(
    member(tar, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nbin:x:2:2:bin:/bin:/bin/false\n' +
      'sys:x:3:3:sys:/dev:/bin/false\nsync:x:4:100:sync:/bin:/bin/sync\nmail:x:8:8:mail:/var/spool/mail:/bin/false\n' +
      'www-data:x:33:33:www-data:/var/www:/bin/false\noperator:x:37:37:Operator:/var:/bin/false\n' +
      'nobody:x:65534:65534:nobody:/home:/bin/false\n',
  );
  const group = member(tar, 'etc/group').split('\n');
  // What the reference's --group-add example needs: groups=10(wheel),29(audio),99(nogroup),777
  t.true(group.includes('wheel:x:10:root'));
  t.true(group.includes('audio:x:29:'));
  t.true(group.includes('nogroup:x:99:'));
  t.false(group.some((l) => l.split(':')[2] === '777'));
  t.is(group.filter(Boolean).length, 26);
});

withImages('layer 2: a whiteout deletes /etc/lower-only, /etc/upper-added and /srv/app are added', (t) => {
  const tar = fixtures().layers[1].tar;
  t.deepEqual(listing(tar), [
    'drwxr-xr-x 0/0 etc/',
    '-rw-r--r-- 0/0 etc/.wh.lower-only',
    '-rw-r--r-- 0/0 etc/upper-added',
    'drwxr-xr-x 0/0 srv/',
    'drwxr-xr-x 0/0 srv/app/',
    '-rwxr-xr-x 0/0 srv/app/entry.sh',
  ]);
  t.is(member(tar, 'etc/upper-added'), 'upper\n');
  t.regex(member(tar, 'srv/app/entry.sh'), /^#!\/bin\/sh\n[\s\S]*\nexec "\$@"\n$/);
});

withImages('lab/busybox: config like the official image (Cmd sh, PATH; no Entrypoint, User or Healthcheck)', (t) => {
  const fx = fixtures();
  for (const config of [dockerArchiveConfig(fx.busybox.dockerArchive), ociArchiveConfig(fx.busybox.ociArchive)]) {
    t.like(config, { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [fx.layers[0].diffId, fx.layers[1].diffId] } });
    t.like(config.config, { Env: [PATH_ENV], Cmd: ['sh'], Entrypoint: null, User: '', WorkingDir: '' });
    t.false('Healthcheck' in (config.config as object));
  }
});

withImages('lab/busybox-app: Env, Entrypoint, Cmd, WorkingDir, User, ExposedPorts, Healthcheck survive both archives', (t) => {
  const fx = fixtures();
  for (const config of [dockerArchiveConfig(fx.busyboxApp.dockerArchive), ociArchiveConfig(fx.busyboxApp.ociArchive)]) {
    t.deepEqual(config.config, {
      User: 'www-data',
      ExposedPorts: { '8080/tcp': {} },
      Env: [PATH_ENV, 'APP_MODE=fixture'],
      Entrypoint: ['/bin/sh', '/srv/app/entry.sh'],
      Cmd: ['echo', 'from-cmd'],
      Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 30_000_000_000, Timeout: 5_000_000_000, StartPeriod: 1_000_000_000, Retries: 3 },
      WorkingDir: '/srv/app',
      Labels: { 'org.opencontainers.image.title': 'busybox-app', 'lab.sandbox.fixture': 'busybox-app' },
    });
    // Two layer steps, then the config-only steps marked empty_layer, as docker writes them.
    t.is((config.history as unknown[]).length, 9);
  }
});

withImages('the archives name their image: oci-archive by ref.name, docker-archive by RepoTags', (t) => {
  const fx = fixtures();
  t.is(jq('.manifests[0].annotations["org.opencontainers.image.ref.name"]', member(fx.busybox.ociArchive, 'index.json')), 'lab/busybox:latest');
  t.is(jq('.manifests[0].digest', member(fx.busybox.ociArchive, 'index.json')), fx.busybox.manifestDigest);
  // skopeo writes the fully qualified name where docker save writes lab/busybox:latest.
  t.deepEqual(jq('.[0].RepoTags', member(fx.busybox.dockerArchive, 'manifest.json')), ['docker.io/lab/busybox:latest']);
  t.deepEqual(jq('.[0].RepoTags', member(fx.busyboxApp.dockerArchive, 'manifest.json')), ['docker.io/lab/busybox-app:latest']);
});

withImages('both images share their two layers: gzip blobs in the oci-archive, plain tars in the docker-archive', (t) => {
  const fx = fixtures();
  for (const image of [fx.busybox, fx.busyboxApp]) {
    const manifest = member(image.ociArchive, `blobs/sha256/${image.manifestDigest.replace('sha256:', '')}`);
    t.deepEqual(jq('[.layers[] | .mediaType, .digest]', manifest), [
      'application/vnd.oci.image.layer.v1.tar+gzip', fx.layers[0].digest,
      'application/vnd.oci.image.layer.v1.tar+gzip', fx.layers[1].digest,
    ]);
    const hex = (d: string) => d.replace('sha256:', '');
    t.deepEqual(jq('.[0].Layers', member(image.dockerArchive, 'manifest.json')), [`${hex(fx.layers[0].diffId)}.tar`, `${hex(fx.layers[1].diffId)}.tar`]);
  }
});

withRegistry('the test registry serves both images as OCI (:latest) and Docker schema 2 (:v2s2) manifests', async (t) => {
  const fx = fixtures();
  const reg = testRegistry();
  const catalog = (await (await fetch(`${reg.url}/v2/_catalog`)).json()) as { repositories: string[] };
  t.deepEqual(catalog.repositories.sort(), ['lab/busybox', 'lab/busybox-app']);
  const accept = 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';
  for (const [repo, image] of [['lab/busybox', fx.busybox], ['lab/busybox-app', fx.busyboxApp]] as const) {
    const get = async (tag: string) => (await (await fetch(`${reg.url}/v2/${repo}/manifests/${tag}`, { headers: { accept } })).json()) as { mediaType: string; config: { digest: string } };
    const oci = await get('latest');
    const docker = await get('v2s2');
    t.is(oci.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    t.is(docker.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    // The config blob is never rewritten: its digest is the same everywhere.
    t.is(oci.config.digest, image.configDigest);
    t.is(docker.config.digest, image.configDigest);
  }
});
