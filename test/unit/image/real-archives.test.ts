// Archives written by real tools must load: an OCI layout built with umoci (two layers, the upper
// one deleting a file of the lower through a whiteout), copied by skopeo into a docker-archive
// and an oci-archive. Skipped, with the reason, only where those tools are not installed.
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chainIds } from '../../../src/image/digest.js';
import { loadArchive, loadedLines } from '../../../src/image/load.js';
import { hex, tarUnpacker, tempStore } from './image-fixtures.js';

const run = promisify(execFile);

async function have(tool: string): Promise<boolean> {
  try {
    await run(tool, ['--version']);
    return true;
  } catch {
    return false;
  }
}

const tools = (await have('umoci')) && (await have('skopeo'));
const realTest = tools ? test.serial : test.skip;
if (!tools) console.log('real-archives: umoci or skopeo not installed; skipping (apt-get install umoci skopeo)');

let work = '';
let dockerTar = '';
let ociTar = '';

test.before(async () => {
  if (!tools) return;
  work = await mkdtemp(join(tmpdir(), 'real-archives-'));
  const layout = join(work, 'layout');
  const bundle = join(work, 'bundle');
  await run('umoci', ['init', '--layout', layout]);
  await run('umoci', ['new', '--image', `${layout}:t`]);
  await run('umoci', ['unpack', '--rootless', '--image', `${layout}:t`, bundle]);
  await mkdir(join(bundle, 'rootfs', 'etc'), { recursive: true });
  await writeFile(join(bundle, 'rootfs', 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  await writeFile(join(bundle, 'rootfs', 'etc', 'doomed'), 'deleted by the next layer\n');
  await run('umoci', ['repack', '--image', `${layout}:t`, bundle]);
  // repack diffs against the manifest the bundle was unpacked from: unpack again for layer two.
  const bundle2 = join(work, 'bundle2');
  await run('umoci', ['unpack', '--rootless', '--image', `${layout}:t`, bundle2]);
  await rm(join(bundle2, 'rootfs', 'etc', 'doomed'));
  await writeFile(join(bundle2, 'rootfs', 'etc', 'motd'), 'second layer\n');
  await run('umoci', ['repack', '--image', `${layout}:t`, bundle2]);
  await run('umoci', ['config', '--image', `${layout}:t`, '--config.cmd', 'sh', '--config.env', 'PATH=/bin', '--config.workingdir', '/etc']);
  dockerTar = join(work, 'docker.tar');
  ociTar = join(work, 'oci.tar');
  await run('skopeo', ['--insecure-policy', 'copy', '-q', '--additional-tag', 'lab/busy:latest', `oci:${layout}:t`, `docker-archive:${dockerTar}:localhost:5000/lab/busy:v1`]);
  await run('skopeo', ['--insecure-policy', 'copy', '-q', `oci:${layout}:t`, `oci-archive:${ociTar}:lab/busy:v1`]);
});

test.after.always(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

realTest("skopeo's docker-archive loads with both names, two layers and the whiteout", async (t) => {
  const { store, root, cleanup } = await tempStore();
  t.teardown(cleanup);
  const result = await loadArchive(dockerTar, store, tarUnpacker());
  t.deepEqual(loadedLines(result), ['Loaded image: localhost:5000/lab/busy:v1', 'Loaded image: lab/busy:latest']);
  const img = await store.resolveImage('localhost:5000/lab/busy:v1');
  t.is((await store.resolveImage('lab/busy')).id, img.id);
  t.is(img.config.rootfs.diff_ids.length, 2);
  t.deepEqual(img.record.layers.map((l) => l.chainId), chainIds(img.config.rootfs.diff_ids));
  t.deepEqual(img.layerDirs, chainIds(img.config.rootfs.diff_ids).map((c) => join(root, 'data', 'layers', hex(c), 'diff')));
  t.is(await readFile(join(img.layerDirs[0]!, 'etc/passwd'), 'utf8'), 'root:x:0:0:root:/root:/bin/sh\n');
  t.true((await readdir(join(img.layerDirs[1]!, 'etc'))).includes('.wh.doomed'), 'the test unpacker (plain tar) keeps the whiteout entry as a file');
  t.is(await readFile(join(img.layerDirs[1]!, 'etc/motd'), 'utf8'), 'second layer\n');
  t.deepEqual(img.config.config?.Cmd, ['sh']);
  t.is(img.config.config?.WorkingDir, '/etc');
});

realTest("skopeo's oci-archive (gzip layers) loads, and shares its layers with the docker-archive's", async (t) => {
  const { store, root, cleanup } = await tempStore();
  t.teardown(cleanup);
  const u = tarUnpacker();
  const fromOci = await loadArchive(ociTar, store, u);
  t.deepEqual(loadedLines(fromOci), ['Loaded image: lab/busy:v1']);
  const img = await store.resolveImage('docker.io/lab/busy:v1');
  t.true(img.record.layers.every((l) => l.mediaType === 'application/vnd.oci.image.layer.v1.tar+gzip'));
  t.is(img.record.layers.length, 2);
  await access(join(img.layerDirs[1]!, 'etc/motd'));

  const fromDocker = await loadArchive(dockerTar, store, u);
  t.is(fromDocker.images[0]!.id, fromOci.images[0]!.id, 'the same config is the same image, whatever the archive');
  t.is(u.unpacked.length, 2, 'the docker-archive reused the layers the oci-archive unpacked');
  t.deepEqual((await readdir(join(root, 'data', 'layers'))).sort(), img.record.layers.map((l) => hex(l.chainId)).sort());
  t.deepEqual((await store.resolveImage('lab/busy:v1')).names.sort(), ['docker.io/lab/busy:latest', 'docker.io/lab/busy:v1', 'localhost:5000/lab/busy:v1']);
});
