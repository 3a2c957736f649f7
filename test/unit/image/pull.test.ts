// The pull path against a registry in the test process (fake-registry.ts): manifests by tag and
// digest, indexes and platforms, verification of every byte, retries, redirects, auth, and
// layers shared between concurrent pulls. The unpacker is the system tar (tarUnpacker).
import test from 'ava';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ImageError } from '../../../src/errors.js';
import { pullImage } from '../../../src/image/pull.js';
import type { ProgressSink } from '../../../src/image/pull-progress.js';
import { addImage, addIndex, sha, startFakeRegistry, type FakeRegistry } from './fake-registry.js';
import { hex, tarUnpacker, tempStore } from './image-fixtures.js';

const base = [
  { path: 'bin/', type: '5' },
  { path: 'bin/sh', data: '#!fake\n', mode: 0o755 },
  { path: 'etc/', type: '5' },
  { path: 'etc/passwd', data: 'root:x:0:0:root:/root:/bin/sh\n' },
];
const top = [{ path: 'etc/motd', data: 'hello\n' }];

function recorder(): ProgressSink & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    line: (t) => lines.push(t),
    layer: (id, status, _c, _t, detail) => {
      if (status !== 'Downloading') lines.push(`${id}: ${status}${detail ? ` ${detail}` : ''}`);
    },
  };
}

async function setup(t: { teardown: (fn: () => Promise<void> | void) => void }, auth?: FakeRegistry['auth']) {
  const s = await tempStore();
  const reg = await startFakeRegistry(auth ? { auth } : {});
  t.teardown(async () => {
    await reg.close();
    await s.cleanup();
  });
  const env = { HOME: s.root, PATH: process.env.PATH, REGISTRY_AUTH_FILE: join(s.root, 'auth.json') };
  return { ...s, reg, env };
}

test('pull by tag: verified layers unpacked once each, blobs stored, the name and repo digest recorded, docker lines', async (t) => {
  const { store, root, reg, env } = await setup(t);
  const img = addImage(reg, 'lab/app', 'v1', [base, top]);
  const progress = recorder();
  const unpacker = tarUnpacker();
  const r = await pullImage(`${reg.address}/lab/app:v1`, store, { env, unpacker, progress });

  t.false(r.upToDate);
  t.is(r.digest, img.manifestDigest);
  t.is(r.record.id, img.configDigest);
  t.deepEqual(r.record.names, [`${reg.address}/lab/app:v1`]);
  t.deepEqual(r.record.repoDigests, [`${reg.address}/lab/app@${img.manifestDigest}`]);
  t.is(unpacker.unpacked.length, 2);
  for (const d of [img.manifestDigest, img.configDigest, ...img.layerDigests]) t.true(await store.hasBlob(d), `blob ${d} stored`);
  const resolved = await store.resolveImage(`${reg.address}/lab/app:v1`);
  t.is(await readFile(join(resolved.layerDirs[1]!, 'etc', 'motd'), 'utf8'), 'hello\n');
  const [a, b] = img.layerDigests.map((d) => hex(d).slice(0, 12));
  t.deepEqual(progress.lines.filter((l) => l.startsWith(a!)), [`${a}: Pulling fs layer`, `${a}: Verifying Checksum`, `${a}: Download complete`, `${a}: Pull complete`]);
  t.true(progress.lines.includes(`${b}: Pull complete`));
  t.is(progress.lines[0], 'v1: Pulling from lab/app');
  t.deepEqual(await readdir(join(root, 'data', 'tmp')), [], 'nothing left in tmp/');

  const again = await pullImage(`${reg.address}/lab/app:v1`, store, { env, unpacker, progress: recorder() });
  t.true(again.upToDate);
  t.is(unpacker.unpacked.length, 2, 'nothing unpacked the second time');
});

test('pull by digest verifies the manifest bytes against the digest and records no tag', async (t) => {
  const { store, reg, env } = await setup(t);
  const img = addImage(reg, 'lab/app', 'v1', [base]);
  const r = await pullImage(`${reg.address}/lab/app@${img.manifestDigest}`, store, { env, unpacker: tarUnpacker() });
  t.deepEqual(r.record.names, []);
  t.is((await store.resolveImage(`${reg.address}/lab/app@${img.manifestDigest}`)).id, img.configDigest);

  // A registry answering a digest request with other bytes is refused.
  const other = addImage(reg, 'lab/app', 'v2', [top]);
  const forged = sha('not what was served');
  reg.manifests.set(`lab/app@${forged}`, { body: other.manifest, type: 'application/vnd.oci.image.manifest.v1+json' });
  await t.throwsAsync(pullImage(`${reg.address}/lab/app@${forged}`, store, { env, unpacker: tarUnpacker() }), {
    instanceOf: ImageError,
    message: `manifest ${forged} failed verification: expected digest ${forged}, the registry sent content with digest ${other.manifestDigest}; the registry is broken or hostile`,
  });
});

test('an index picks the host platform (or --platform) and records the index digest; a missing platform lists what there is', async (t) => {
  const { store, reg, env } = await setup(t);
  const mine = addImage(reg, 'lab/multi', 'amd', [base]);
  const other = addImage(reg, 'lab/multi', 'arm', [top], { os: 'linux', architecture: 's390x' });
  const host = JSON.parse(mine.config.toString()) as { architecture: string };
  const indexDigest = addIndex(reg, 'lab/multi', 'latest', [
    { image: other, platform: { os: 'linux', architecture: 's390x' } },
    { image: mine, platform: { os: 'linux', architecture: host.architecture } },
  ]);
  const r = await pullImage(`${reg.address}/lab/multi`, store, { env, unpacker: tarUnpacker() });
  t.is(r.record.id, mine.configDigest);
  t.is(r.record.indexDigest, indexDigest);
  t.is(r.digest, indexDigest, 'docker prints the index digest');
  t.deepEqual(r.record.repoDigests, [`${reg.address}/lab/multi@${indexDigest}`]);
  t.is((await store.resolveImage(`${reg.address}/lab/multi@${indexDigest}`)).id, mine.configDigest, 'findable by the index digest');

  const s390 = await pullImage(`${reg.address}/lab/multi:latest`, store, { env, unpacker: tarUnpacker(), platform: { os: 'linux', architecture: 's390x' } });
  t.is(s390.record.id, other.configDigest);

  addIndex(reg, 'lab/multi', 'list', [{ image: other, platform: { os: 'linux', architecture: 's390x' } }], true);
  await t.throwsAsync(pullImage(`${reg.address}/lab/multi:list`, store, { env, unpacker: tarUnpacker(), platform: { os: 'linux', architecture: 'riscv64' } }), {
    instanceOf: ImageError,
    message: `no matching manifest for linux/riscv64 in the manifest list entries of ${reg.address}/lab/multi:list (it has: linux/s390x); choose one with --platform`,
  });
});

test('a blob whose bytes do not match its digest is refused and nothing of it is stored', async (t) => {
  const { store, root, reg, env } = await setup(t);
  const img = addImage(reg, 'lab/app', 'v1', [base, top]);
  reg.faults.corrupt = new Set([img.layerDigests[0]!]);
  const err = await t.throwsAsync(pullImage(`${reg.address}/lab/app:v1`, store, { env, unpacker: tarUnpacker(), concurrency: 1 }), { instanceOf: ImageError });
  t.regex(err!.message, new RegExp(`^blob ${img.layerDigests[0]} from ${reg.address}/lab/app failed verification: expected digest ${img.layerDigests[0]}, content is sha256:[0-9a-f]{64}; the registry sent corrupt data and nothing was stored$`));
  t.false(await store.hasBlob(img.layerDigests[0]!));
  t.deepEqual(await readdir(join(root, 'data', 'layers')), [], 'no layer directory');
  t.deepEqual(await store.listImages(), []);
  t.deepEqual(await readdir(join(root, 'data', 'tmp')), [], 'staging removed');
});

test('a layer whose content is not the diff id the config promises is refused', async (t) => {
  const { store, reg, env } = await setup(t);
  const img = addImage(reg, 'lab/app', 'v1', [base]);
  // A config promising other content: its digest is right, its diff id is not.
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha('other')] } }));
  const manifest = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length }, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: img.layerDigests[0], size: img.layers[0]!.length }] }),
  );
  reg.blobs.set(sha(config), config);
  reg.link('lab/app', sha(config));
  reg.manifests.set('lab/app:lie', { body: manifest, type: 'application/vnd.oci.image.manifest.v1+json' });
  await t.throwsAsync(pullImage(`${reg.address}/lab/app:lie`, store, { env, unpacker: tarUnpacker() }), {
    message: new RegExp(`^layer ${img.layerDigests[0]} failed verification: the image config gives diff id ${sha('other')}, its content is ${img.diffIds[0]}`),
  });
  t.false(await store.hasLayer(sha('other')));
  t.false(await store.hasBlob(img.layerDigests[0]!), 'the blob is not published either');
});

test('503s and a connection cut mid-blob are retried; a missing tag is docker\'s "manifest unknown"', async (t) => {
  const { store, reg, env } = await setup(t);
  addImage(reg, 'lab/app', 'v1', [base, top]);
  reg.faults.unavailable = 2;
  reg.faults.resets = 1;
  const r = await pullImage(`${reg.address}/lab/app:v1`, store, { env, unpacker: tarUnpacker() });
  t.is(r.record.layers.length, 2);
  await t.throwsAsync(pullImage(`${reg.address}/lab/app:nope`, store, { env, unpacker: tarUnpacker() }), {
    instanceOf: ImageError,
    message: `manifest for ${reg.address}/lab/app:nope not found: manifest unknown: manifest unknown`,
  });
});

test('bearer auth: the token comes from the realm with the stored credentials; blobs redirected elsewhere get no Authorization', async (t) => {
  const { store, reg, env } = await setup(t, { kind: 'bearer', user: 'alice', password: 's3cret' });
  const cdn = await startFakeRegistry();
  t.teardown(() => cdn.close());
  addImage(reg, 'lab/app', 'v1', [base]);
  reg.faults.redirectTo = cdn;

  await t.throwsAsync(pullImage(`${reg.address}/lab/app:v1`, store, { env, unpacker: tarUnpacker() }), {
    instanceOf: ImageError,
    message: `unauthorized: ${reg.address} requires authentication; log in with 'sandbox login ${reg.address}'`,
  });

  await writeFile(env.REGISTRY_AUTH_FILE, JSON.stringify({ auths: { [reg.address]: { auth: Buffer.from('alice:s3cret').toString('base64') } } }));
  const before = reg.log.length;
  await pullImage(`${reg.address}/lab/app:v1`, store, { env, unpacker: tarUnpacker() });
  const tokenRequests = reg.log.slice(before).filter((l) => l.url.startsWith('/token'));
  t.true(tokenRequests.length >= 1);
  t.true(tokenRequests.every((l) => l.authorization === `Basic ${Buffer.from('alice:s3cret').toString('base64')}`));
  t.true(tokenRequests.some((l) => l.url.includes('scope=repository%3Alab%2Fapp%3Apull')));
  t.true(reg.log.some((l) => l.url.startsWith('/v2/lab/app/manifests/') && l.authorization?.startsWith('Bearer ')));
  t.true(cdn.log.length > 0, 'blobs came from the redirect target');
  t.true(cdn.log.every((l) => l.authorization === undefined), 'no credentials leak to another origin');
});

test('basic auth: wrong credentials are refused with the registry\'s words, right ones pull', async (t) => {
  const { store, reg, env } = await setup(t, { kind: 'basic', user: 'bob', password: 'pw' });
  addImage(reg, 'lab/app', 'v1', [base]);
  await writeFile(env.REGISTRY_AUTH_FILE, JSON.stringify({ auths: { [`http://${reg.address}`]: { auth: Buffer.from('bob:wrong').toString('base64') } } }));
  await t.throwsAsync(pullImage(`${reg.address}/lab/app:v1`, store, { env, unpacker: tarUnpacker() }), {
    message: `pull access denied for ${reg.address}/lab/app, repository does not exist or may require 'sandbox login': unauthorized: authentication required`,
  });
  await mkdir(join(env.HOME, '.docker'));
  await writeFile(env.REGISTRY_AUTH_FILE, '{}');
  await writeFile(join(env.HOME, '.docker', 'config.json'), JSON.stringify({ auths: { [reg.address]: { auth: Buffer.from('bob:pw').toString('base64') } } }));
  const r = await pullImage(`${reg.address}/lab/app:v1`, store, { env, unpacker: tarUnpacker() });
  t.is(r.record.layers.length, 1, "docker's ~/.docker/config.json is read too");
});

test('concurrent pulls of one image and of images sharing a layer unpack each chain id once', async (t) => {
  const { store, root, reg, env } = await setup(t);
  const a = addImage(reg, 'lab/a', 'v1', [base, top]);
  const b = addImage(reg, 'lab/b', 'v1', [base, [{ path: 'etc/b', data: 'b\n' }]]);
  reg.faults.delayMs = 30;
  const unpacker = tarUnpacker();
  await Promise.all([
    pullImage(`${reg.address}/lab/a:v1`, store, { env, unpacker }),
    pullImage(`${reg.address}/lab/a:v1`, store, { env, unpacker }),
    pullImage(`${reg.address}/lab/b:v1`, store, { env, unpacker }),
  ]);
  t.is(unpacker.unpacked.length, 3, 'base once, each top once');
  t.deepEqual((await readdir(join(root, 'data', 'layers'))).sort(), [...new Set([...a.diffIds.slice(0, 1), ...[a, b].map((i) => sha(`${i.diffIds[0]} ${i.diffIds[1]}`))])].map(hex).sort());
  t.deepEqual((await store.listImages()).map((r) => r.id).sort(), [a.configDigest, b.configDigest].sort());
  const blobDownloads = reg.log.filter((l) => l.method === 'GET' && l.url.includes(`/blobs/${a.layerDigests[0]}`));
  t.is(blobDownloads.length, 1, 'the shared layer was downloaded once');
});

test('a layer the store has is reported as existing and not downloaded', async (t) => {
  const { store, reg, env } = await setup(t);
  addImage(reg, 'lab/a', 'v1', [base]);
  const b = addImage(reg, 'lab/b', 'v1', [base, top]);
  await pullImage(`${reg.address}/lab/a:v1`, store, { env, unpacker: tarUnpacker() });
  const progress = recorder();
  await pullImage(`${reg.address}/lab/b:v1`, store, { env, unpacker: tarUnpacker(), progress });
  t.true(progress.lines.includes(`${hex(b.layerDigests[0]!).slice(0, 12)}: Already exists`));
  t.is(reg.log.filter((l) => l.url.includes(`/blobs/${b.layerDigests[0]}`)).length, 1, 'only the first pull fetched it');
});

test('zstd and uncompressed layers pull like gzip ones (zstd through the zstd program on Node 20)', async (t) => {
  const { store, reg, env } = await setup(t);
  const { makeTar } = await import('./tar-writer.js');
  const { zstdCompress } = await import('./image-fixtures.js');
  const tars = [makeTar(base), makeTar(top)];
  const blobs = [zstdCompress(tars[0]!), tars[1]!];
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: tars.map((x) => sha(x)) } }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
      layers: [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', digest: sha(blobs[0]!), size: blobs[0]!.length },
        { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha(blobs[1]!), size: blobs[1]!.length },
      ],
    }),
  );
  for (const b of [config, ...blobs]) {
    reg.blobs.set(sha(b), b);
    reg.link('lab/z', sha(b));
  }
  reg.manifests.set('lab/z:1', { body: manifest, type: 'application/vnd.oci.image.manifest.v1+json' });
  await pullImage(`${reg.address}/lab/z:1`, store, { env, unpacker: tarUnpacker() });
  const resolved = await store.resolveImage(`${reg.address}/lab/z:1`);
  t.is(await readFile(join(resolved.layerDirs[0]!, 'etc', 'passwd'), 'utf8'), 'root:x:0:0:root:/root:/bin/sh\n');
  t.is(await readFile(join(resolved.layerDirs[1]!, 'etc', 'motd'), 'utf8'), 'hello\n');
  t.deepEqual(resolved.record.layers.map((l) => l.size), tars.map((x) => x.length));
});
