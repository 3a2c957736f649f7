// Archives through the CLI: skopeo's docker-archive and oci-archive load; save (both formats)
// loads back in another home and is read by skopeo; import turns a rootfs tarball into an image.
import test from 'ava';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runSandbox } from '../../helpers/cli.js';
import { needs } from '../../helpers/facility.js';
import { fixtures } from '../../helpers/fixtures.js';
import { have, imageHome } from './registries.js';

const run = promisify(execFile);
const NEEDS = ['cli', 'monitor', 'fixtures', 'unprivileged', 'userns', 'subids', 'newidmap'] as const;
const withFixtures = needs(test, NEEDS, 'loads the fixture archives');
const withSkopeo = have('skopeo') ? withFixtures : needs(test, false, 'skopeo (apt-get install skopeo)');
const short = (d: string) => d.slice(7, 19);

withFixtures('load -i reads the archives skopeo wrote (docker-archive and oci-archive); -q prints the same lines', async (t) => {
  const fx = fixtures();
  for (const archive of [fx.busybox.dockerArchive, fx.busyboxApp.ociArchive]) {
    const home = await imageHome(t);
    const r = await runSandbox(['load', '-q', '-i', archive], { env: home.env });
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, /^Loaded image: lab\/busybox(-app)?:latest\n$/);
  }
});

for (const format of ['docker-archive', 'oci-archive'] as const) {
  withSkopeo(`save --format ${format} writes an archive that loads back elsewhere and that skopeo reads`, async (t) => {
    const fx = fixtures();
    const home = await imageHome(t);
    t.is((await runSandbox(['load', '-i', fx.busyboxApp.dockerArchive], { env: home.env })).code, 0);
    const file = join(home.root, `saved-${format}.tar`);
    const saved = await runSandbox(['save', '--format', format, '-o', file, 'lab/busybox-app'], { env: home.env });
    t.is(saved.code, 0, saved.stderr);
    t.is(saved.stdout, '');

    const other = await imageHome(t);
    const loaded = await runSandbox(['load', '-i', file], { env: other.env });
    t.is(loaded.stdout, 'Loaded image: lab/busybox-app:latest\n', loaded.stderr);
    t.is((await runSandbox(['images', '-q', '--no-trunc'], { env: other.env })).stdout, `${fx.busyboxApp.configDigest}\n`);
    const { stdout } = await run('skopeo', ['--insecure-policy', 'inspect', '--config', `${format}:${file}`]);
    t.deepEqual((JSON.parse(stdout) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids, fx.layers.map((l) => l.diffId));
  });
}

withFixtures('save to a terminal-less stdout streams the archive; save of a missing image fails', async (t) => {
  const fx = fixtures();
  const home = await imageHome(t);
  await runSandbox(['load', '-i', fx.busybox.ociArchive], { env: home.env });
  const r = await runSandbox(['save', 'lab/busybox'], { env: home.env });
  t.is(r.code, 0, r.stderr);
  t.true(r.stdout.includes('manifest.json'));
  const missing = await runSandbox(['save', '-o', join(home.root, 'x.tar'), 'nope'], { env: home.env });
  t.is(missing.code, 125);
  t.is(missing.stderr, 'sandbox: No such image: nope\n');
});

withFixtures('import - NAME makes a one-layer image from a rootfs tarball on stdin and prints its id', async (t) => {
  const fx = fixtures();
  const home = await imageHome(t);
  const { stdout: tar } = await run('cat', [fx.layers[0].tar], { encoding: 'buffer', maxBuffer: 64 << 20 });
  const r = await runSandbox(['import', '-c', 'CMD ["/bin/sh"]', '-m', 'from the test', '-', 'lab/imported:v1'], { env: home.env, input: tar });
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^sha256:[0-9a-f]{64}\n$/);
  const id = r.stdout.trim();
  t.is((await runSandbox(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}'], { env: home.env })).stdout, `lab/imported:v1 ${short(id)}\n`);
  const inspect = await runSandbox(['image', 'inspect', '-f', '{{json .Config.Cmd}} {{.Comment}} {{json .RootFS.Layers}}', 'lab/imported:v1'], { env: home.env });
  t.is(inspect.stdout, `["/bin/sh"] from the test ["${fx.layers[0].diffId}"]\n`);
});
