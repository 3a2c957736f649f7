import test from 'ava';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { ImageError } from '../../../src/errors.js';
import { loadArchive, loadedLines } from '../../../src/image/load.js';
import { makeTar } from './tar-writer.js';
import { barrier, dockerArchive, hex, makeImage, ociArchive, sha, tarUnpacker, tempStore, writeTemp, type LayerSpec } from './image-fixtures.js';

const base: LayerSpec = {
  compression: 'gzip',
  files: [
    { path: 'bin/', type: '5' },
    { path: 'bin/sh', data: '#!fake shell\n', mode: 0o755 },
    { path: 'etc/', type: '5' },
    { path: 'etc/passwd', data: 'root:x:0:0:root:/root:/bin/sh\n' },
  ],
};
const top: LayerSpec = { compression: 'none', files: [{ path: 'etc/motd', data: 'hello from the top layer\n' }] };

async function setup(t: { teardown: (fn: () => Promise<void>) => void }) {
  const s = await tempStore();
  t.teardown(s.cleanup);
  return s;
}

async function layerDirs(root: string): Promise<string[]> {
  return (await readdir(join(root, 'data', 'layers'))).sort();
}

const archives = {
  'docker-archive (docker save before 25: <id>/layer.tar)': (img = makeImage([base, top])) => ({ img, tar: dockerArchive(img, ['lab/busybox:v1']) }),
  'docker-archive (docker 25+: blobs/sha256/<hex>)': (img = makeImage([base, top])) => ({ img, tar: dockerArchive(img, ['lab/busybox:v1'], 'blobs') }),
  'oci-archive': (img = makeImage([base, top])) => ({ img, tar: ociArchive(img, { annotations: { 'org.opencontainers.image.ref.name': 'lab/busybox:v1' } }) }),
  'oci-archive with a multi-platform index': (img = makeImage([base, top])) => ({
    img,
    tar: ociArchive(img, { multiPlatform: true, annotations: { 'io.containerd.image.name': 'docker.io/lab/busybox:v1', 'org.opencontainers.image.ref.name': 'v1' } }),
  }),
};

for (const [kind, make] of Object.entries(archives)) {
  test(`loading a ${kind} records the image with its chain ids and unpacked layers`, async (t) => {
    const { store, root } = await setup(t);
    const { img, tar } = make();
    const unpacker = tarUnpacker();
    const result = await loadArchive(await writeTemp(root, 'img.tar', tar), store, unpacker);

    t.deepEqual(result, { images: [{ id: img.configDigest, names: ['docker.io/lab/busybox:v1'] }] });
    t.deepEqual(loadedLines(result), ['Loaded image: lab/busybox:v1']);
    const [record] = await store.listImages();
    t.deepEqual(
      record!.layers.map((l) => [l.diffId, l.chainId, l.size]),
      img.diffIds.map((d, i) => [d, img.chainIds[i], img.tars[i]!.length]),
    );
    t.is(record!.configDigest, img.configDigest);
    t.true(await store.hasBlob(record!.manifestDigest));

    const resolved = await store.resolveImage('lab/busybox:v1');
    t.deepEqual(resolved.layerDirs, img.chainIds.map((c) => join(root, 'data', 'layers', hex(c), 'diff')));
    t.is(await readFile(join(resolved.layerDirs[0]!, 'etc/passwd'), 'utf8'), 'root:x:0:0:root:/root:/bin/sh\n');
    t.is(await readFile(join(resolved.layerDirs[1]!, 'etc/motd'), 'utf8'), 'hello from the top layer\n');
    t.deepEqual(resolved.config.config?.Cmd, ['sh']);
    t.deepEqual(resolved.config.config?.Healthcheck, { Test: ['CMD', 'true'], Interval: 1e9 });
    const info = JSON.parse(await readFile(join(root, 'data', 'layers', hex(img.chainIds[1]!), 'layer.json'), 'utf8'));
    t.deepEqual(info, { diffId: img.diffIds[1], chainId: img.chainIds[1], parent: img.chainIds[0], size: img.tars[1]!.length, complete: true });
    for (const b of [...img.blobs, img.config]) t.true(await store.hasBlob(sha(b)), 'every blob is kept in blobs/sha256');
    t.deepEqual(await readdir(join(root, 'data', 'tmp')), [], 'nothing is left in tmp/');
  });
}

test('store directories are private and blobs are 0600', async (t) => {
  const { store, root } = await setup(t);
  const { tar, img } = archives['oci-archive']();
  await loadArchive(await writeTemp(root, 'img.tar', tar), store, tarUnpacker());
  for (const d of ['data', 'data/blobs/sha256', 'data/layers', 'data/images', 'data/tmp', `data/layers/${hex(img.chainIds[0]!)}`]) {
    t.is((await stat(join(root, d))).mode & 0o777, 0o700, d);
  }
  t.is((await stat(store.blobPath(img.configDigest))).mode & 0o777, 0o600);
  t.is((await stat(store.indexPath)).mode & 0o777, 0o600);
});

test('an archive streamed on stdin, gzip-compressed, loads like a file', async (t) => {
  const { store } = await setup(t);
  const { img, tar } = archives['docker-archive (docker save before 25: <id>/layer.tar)']();
  const gz = gzipSync(tar);
  const stdin = Readable.from((function* () {
    for (let i = 0; i < gz.length; i += 1000) yield gz.subarray(i, i + 1000);
  })());
  const result = await loadArchive(stdin, store, tarUnpacker());
  t.deepEqual(result.images, [{ id: img.configDigest, names: ['docker.io/lab/busybox:v1'] }]);
});

test('a repeated layer stored once as a symlink in an old docker-archive loads at both positions', async (t) => {
  const { store, root } = await setup(t);
  const empty: LayerSpec = { files: [{ path: 'tmp/', type: '5' }] };
  const img = makeImage([empty, top, empty]);
  await loadArchive(await writeTemp(root, 'img.tar', dockerArchive(img, ['rep:1'])), store, tarUnpacker());
  t.deepEqual(await layerDirs(root), img.chainIds.map(hex).sort());
  const resolved = await store.resolveImage('rep:1');
  t.is(resolved.layerDirs.length, 3);
});

test('an untagged image loads by id (Loaded image ID)', async (t) => {
  const { store, root } = await setup(t);
  const img = makeImage([base]);
  // umoci and buildah write a bare tag as ref.name: it names no repository.
  const result = await loadArchive(await writeTemp(root, 'img.tar', ociArchive(img, { annotations: { 'org.opencontainers.image.ref.name': 'latest' } })), store, tarUnpacker());
  t.deepEqual(loadedLines(result), [`Loaded image ID: ${img.configDigest}`]);
  t.is((await store.resolveImage(hex(img.configDigest).slice(0, 12))).id, img.configDigest);
});

test('descriptors without media types (older writers) still load', async (t) => {
  const { store, root } = await setup(t);
  const img = makeImage([base]);
  const result = await loadArchive(await writeTemp(root, 'i.tar', ociArchive(img, { multiPlatform: true, bareDescriptors: true })), store, tarUnpacker());
  t.is(result.images[0]!.id, img.configDigest);
});

test('a corrupted uncompressed layer (one byte flipped) is refused naming its diff id, and nothing is recorded', async (t) => {
  const { store, root } = await setup(t);
  const img = makeImage([base, top]);
  const tar = dockerArchive(img, ['lab/busybox:v1']);
  const at = tar.indexOf('hello from the top layer');
  tar[at] = 'j'.charCodeAt(0);
  const unpacker = tarUnpacker();
  await t.throwsAsync(loadArchive(await writeTemp(root, 'bad.tar', tar), store, unpacker), {
    instanceOf: ImageError,
    message: new RegExp(`failed verification: the image config gives diff id ${img.diffIds[1]}, its content is sha256:[0-9a-f]{64}; the archive is corrupt`),
  });
  t.deepEqual(await store.listImages(), []);
  t.false(await store.hasLayer(img.chainIds[1]!));
  t.false((await layerDirs(root)).includes(hex(img.chainIds[1]!)), 'no layer directory for the corrupt layer');
  t.deepEqual(await readdir(join(root, 'data', 'tmp')), [], 'the staged unpack was removed');
  t.true(unpacker.removed.length >= 1);
});

test('a corrupted compressed blob in an oci-archive is refused naming the blob digest', async (t) => {
  const { store, root } = await setup(t);
  const img = makeImage([base, top]);
  const tar = ociArchive(img, { annotations: { 'org.opencontainers.image.ref.name': 'lab/busybox:v1' } });
  const blob = img.blobs[0]!;
  const at = tar.indexOf(blob) + Math.floor(blob.length / 2);
  tar[at] = tar[at]! ^ 0xff;
  const unpacker = tarUnpacker();
  await t.throwsAsync(loadArchive(await writeTemp(root, 'bad.tar', tar), store, unpacker), {
    instanceOf: ImageError,
    message: new RegExp(`^layer ${sha(blob)} failed verification: expected digest ${sha(blob)}, content is sha256:`),
  });
  t.deepEqual(await store.listImages(), []);
  t.deepEqual(unpacker.unpacked, [], 'nothing is unpacked before every blob digest checks out');
  t.deepEqual(await layerDirs(root), []);
});

test('a corrupted gzip layer in a docker-archive is refused naming the layer', async (t) => {
  const { store, root } = await setup(t);
  const img = makeImage([base]);
  const tar = dockerArchive(img, ['x:1']);
  const at = tar.indexOf(img.blobs[0]!) + 20;
  tar[at] = tar[at]! ^ 0x55;
  await t.throwsAsync(loadArchive(await writeTemp(root, 'bad.tar', tar), store, tarUnpacker()), {
    instanceOf: ImageError,
    message: new RegExp(`diff id ${img.diffIds[0]}`),
  });
  t.deepEqual(await store.listImages(), []);
  t.deepEqual(await layerDirs(root), []);
});

test('a docker-archive config whose content does not match its digest name is refused', async (t) => {
  const { store, root } = await setup(t);
  const img = makeImage([base]);
  const tar = dockerArchive(img, ['x:1']);
  const at = tar.indexOf('"os":"linux"');
  tar.write('"os":"LINUX"', at);
  await t.throwsAsync(loadArchive(await writeTemp(root, 'bad.tar', tar), store, tarUnpacker()), {
    instanceOf: ImageError,
    message: new RegExp(`^image config ${hex(img.configDigest)}.json failed verification: expected digest ${img.configDigest}`),
  });
});

test('a zstd layer is decompressed (by the zstd program on Node 20) and verified like a gzip one', async (t) => {
  const { store, root } = await setup(t);
  const img = makeImage([base, { ...top, compression: 'zstd' }]);
  const result = await loadArchive(await writeTemp(root, 'z.tar', ociArchive(img, { annotations: { 'org.opencontainers.image.ref.name': 'lab/z:1' } })), store, tarUnpacker());
  t.deepEqual(loadedLines(result), ['Loaded image: lab/z:1']);
  const resolved = await store.resolveImage('lab/z:1');
  t.is(await readFile(join(resolved.layerDirs[1]!, 'etc', 'motd'), 'utf8'), 'hello from the top layer\n');
  t.is(resolved.record.layers[1]!.mediaType, 'application/vnd.oci.image.layer.v1.tar+zstd');
});

test('a zstd layer on a host with neither Node zstd nor the zstd program is refused naming the missing piece', async (t) => {
  const { store, root } = await setup(t);
  const img = makeImage([{ ...top, compression: 'zstd' }]);
  await t.throwsAsync(
    loadArchive(await writeTemp(root, 'z.tar', ociArchive(img)), store, tarUnpacker(), { decompress: { noNodeZstd: true, env: { PATH: '/nonexistent' } } }),
    {
      instanceOf: ImageError,
      message: new RegExp(`^layer ${sha(img.blobs[0]!)} is zstd-compressed and this host cannot decompress zstd: Node [0-9.]+ has no zstd and no zstd program is on PATH; install it \\(apt-get install zstd\\) and try again$`),
    },
  );
  t.deepEqual(await store.listImages(), []);
});

test('loading the same archive twice is idempotent and unpacks nothing the second time', async (t) => {
  const { store, root } = await setup(t);
  const { img, tar } = archives['oci-archive']();
  const path = await writeTemp(root, 'img.tar', tar);
  const first = tarUnpacker();
  await loadArchive(path, store, first);
  const index1 = await readFile(store.indexPath, 'utf8');
  const second = tarUnpacker();
  const result = await loadArchive(path, store, second);
  t.deepEqual(result.images, [{ id: img.configDigest, names: ['docker.io/lab/busybox:v1'] }]);
  t.is(first.unpacked.length, 2);
  t.deepEqual(second.unpacked, []);
  t.deepEqual(JSON.parse(await readFile(store.indexPath, 'utf8')), JSON.parse(index1));
  t.deepEqual(await layerDirs(root), img.chainIds.map(hex).sort());
});

test('two loads racing leave one layer directory per chain id and a valid index', async (t) => {
  const { store, root } = await setup(t);
  const img = makeImage([base, top]);
  const a = await writeTemp(root, 'a.tar', dockerArchive(img, ['lab/a:1']));
  const b = await writeTemp(root, 'b.tar', ociArchive(img, { annotations: { 'org.opencontainers.image.ref.name': 'lab/b:1' } }));
  // Every unpack waits until all four have started: both loads unpack both layers before
  // either publishes one, so both renames race.
  const gate = barrier(4);
  const ua = tarUnpacker({ before: gate });
  const ub = tarUnpacker({ before: gate });
  const [ra, rb] = await Promise.all([loadArchive(a, store, ua), loadArchive(b, store, ub)]);
  t.is(ra.images[0]!.id, rb.images[0]!.id);
  t.deepEqual(await layerDirs(root), img.chainIds.map(hex).sort());
  const images = await store.listImages();
  t.is(images.length, 1);
  t.deepEqual(images[0]!.names.sort(), ['docker.io/lab/a:1', 'docker.io/lab/b:1']);
  t.is(ua.unpacked.length + ub.unpacked.length, 4, 'both unpacked');
  t.is(ua.removed.length + ub.removed.length, 2, 'the losers of each race were discarded');
  t.deepEqual(await readdir(join(root, 'data', 'tmp')), []);
  for (const c of img.chainIds) t.true(await store.hasLayer(c));
});

test('a name moves to the image loaded last; the older image stays, untagged', async (t) => {
  const { store, root } = await setup(t);
  const older = makeImage([base], { created: '2020-01-01T00:00:00Z' });
  const newer = makeImage([base, top], { created: '2024-01-01T00:00:00Z' });
  await loadArchive(await writeTemp(root, 'o.tar', dockerArchive(older, ['lab/x:1', 'lab/x:old'])), store, tarUnpacker());
  await loadArchive(await writeTemp(root, 'n.tar', dockerArchive(newer, ['lab/x:1'])), store, tarUnpacker());
  t.is((await store.resolveImage('lab/x:1')).id, newer.configDigest);
  t.is((await store.resolveImage('lab/x:old')).id, older.configDigest);
  const images = await store.listImages();
  t.deepEqual(images.map((i) => [i.id, i.names]), [
    [older.configDigest, ['docker.io/lab/x:old']],
    [newer.configDigest, ['docker.io/lab/x:1']],
  ]);
});

test('the shared bottom layer of two images is unpacked once', async (t) => {
  const { store, root } = await setup(t);
  const one = makeImage([base], { created: 'a' });
  const two = makeImage([base, top]);
  const u = tarUnpacker();
  await loadArchive(await writeTemp(root, '1.tar', dockerArchive(one, ['one:1'])), store, u);
  await loadArchive(await writeTemp(root, '2.tar', dockerArchive(two, ['two:1'])), store, u);
  t.is(u.unpacked.length, 2);
  t.deepEqual((await store.resolveImage('one:1')).layerDirs[0], (await store.resolveImage('two:1')).layerDirs[0]);
});

const refusals: [string, () => Buffer | string, RegExp][] = [
  ['random bytes', () => Buffer.alloc(4096, 7), /is not a valid tar archive: bad header checksum at byte 0/],
  ['a tar without manifest.json or index.json', () => makeTar([{ path: 'hello.txt', data: 'hi' }]), /x.tar is neither a docker-archive \(no manifest.json\) nor an oci-archive \(no index.json\)/],
  ['an xz-compressed archive', () => Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2]), /is xz-compressed; decompress it first/],
  ['an empty file', () => Buffer.alloc(0), /is empty: there is no archive to load/],
];

for (const [what, make, message] of refusals) {
  test(`${what} is refused with one line`, async (t) => {
    const { store, root } = await setup(t);
    const err = await t.throwsAsync(loadArchive(await writeTemp(root, 'x.tar', make() as Buffer), store, tarUnpacker()), { instanceOf: ImageError, message });
    t.false(err!.message.includes('\n'));
    t.deepEqual(await readdir(join(root, 'data', 'tmp')), []);
  });
}

test('a docker-archive missing a layer file is refused naming it', async (t) => {
  const { store, root } = await setup(t);
  const img = makeImage([base]);
  const tar = makeTar([
    { path: `${hex(img.configDigest)}.json`, data: img.config },
    { path: 'manifest.json', data: JSON.stringify([{ Config: `${hex(img.configDigest)}.json`, RepoTags: ['x:1'], Layers: ['gone/layer.tar'] }]) },
  ]);
  await t.throwsAsync(loadArchive(await writeTemp(root, 'x.tar', tar), store, tarUnpacker()), {
    instanceOf: ImageError,
    message: 'the archive is missing gone/layer.tar (layer 0); it is incomplete or not an image archive',
  });
});

test('a missing archive file is one line naming the path', async (t) => {
  const { store, root } = await setup(t);
  await t.throwsAsync(loadArchive(join(root, 'nope.tar'), store, tarUnpacker()), {
    instanceOf: ImageError,
    message: `cannot open archive ${join(root, 'nope.tar')}: no such file; give the path of a docker-archive or oci-archive tar`,
  });
});

test('an unpacker failure is reported with the layer and leaves no layer behind', async (t) => {
  const { store, root } = await setup(t);
  const img = makeImage([base]);
  const failing = tarUnpacker();
  failing.unpack = async (tar) => {
    tar.resume();
    throw new ImageError("etc/passwd: owner 70000 is outside the user namespace's id range");
  };
  await t.throwsAsync(loadArchive(await writeTemp(root, 'x.tar', ociArchive(img)), store, failing), {
    instanceOf: ImageError,
    message: `layer ${sha(img.blobs[0]!)}: etc/passwd: owner 70000 is outside the user namespace's id range`,
  });
  t.deepEqual(await layerDirs(root), []);
  t.deepEqual(await readdir(join(root, 'data', 'tmp')), []);
});

test('member names with .. or absolute paths, and links pointing out, never touch the host', async (t) => {
  const { store, root } = await setup(t);
  const img = makeImage([base]);
  const cfgName = `${hex(img.configDigest)}.json`;
  const tar = makeTar([
    { path: `../../${root.split('/').pop()}-escape`, data: 'x' },
    { path: '/abs-escape', data: 'x' },
    { path: 'layer.tar', type: '2', linkpath: '/etc/passwd' },
    { path: cfgName, data: img.config },
    { path: 'manifest.json', data: JSON.stringify([{ Config: cfgName, RepoTags: ['x:1'], Layers: ['layer.tar'] }]) },
  ]);
  // The link resolves inside the archive (to its own etc/passwd, which it lacks), never on the host.
  await t.throwsAsync(loadArchive(await writeTemp(root, 'x.tar', tar), store, tarUnpacker()), {
    instanceOf: ImageError,
    message: 'the archive is missing layer.tar (layer 0); it is incomplete or not an image archive',
  });
  await t.throwsAsync(stat(`${root}-escape`));
  await t.throwsAsync(stat('/abs-escape'));
});
