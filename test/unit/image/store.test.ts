import test from 'ava';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ImageError } from '../../../src/errors.js';
import { chainIds } from '../../../src/image/digest.js';
import { ImageNotFoundError, emptyIndex, lookupImage, recordImage, type ImageIndex, type ImageRecord } from '../../../src/image/image-index.js';
import type { ImageStore } from '../../../src/image/store.js';
import { hex, sha, tarUnpacker, tempStore, type Digest } from './image-fixtures.js';

async function setup(t: { teardown: (fn: () => Promise<void>) => void }) {
  const s = await tempStore();
  t.teardown(s.cleanup);
  await s.store.init();
  return s;
}

const config = (n: number) => Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: [`cmd${n}`] }, rootfs: { type: 'layers', diff_ids: [sha(`d${n}`)] } }));

function record(id: Digest, names: string[], extra: Partial<ImageRecord> = {}): ImageRecord {
  return { id, names, manifestDigest: sha(`m-${id}`), configDigest: id, created: '2024-01-01T00:00:00Z', layers: [], ...extra };
}

/** A complete image in the store: config blob, one layer directory, one index record. */
async function addImage(store: ImageStore, n: number, names: string[]): Promise<Digest> {
  const cfg = config(n);
  const id = sha(cfg);
  await store.putBlob(id, cfg);
  const diffId = sha(`d${n}`);
  const [chainId] = chainIds([diffId]);
  const staging = await store.makeTempDir('layer');
  await mkdir(join(staging, 'diff'));
  await store.commitLayer(staging, { diffId, chainId: chainId!, parent: null, size: 1, complete: true }, tarUnpacker());
  await store.recordImages([record(id, names, { layers: [{ diffId, chainId: chainId!, size: 1, digest: diffId, mediaType: 'application/vnd.oci.image.layer.v1.tar' }] })]);
  return id;
}

// ---- the index, pure -----------------------------------------------------------------------

test('recordImage moves a name from the image that had it to the new one', (t) => {
  const a = sha('a');
  const b = sha('b');
  let index: ImageIndex = recordImage(emptyIndex(), record(a, ['docker.io/library/x:1', 'docker.io/library/x:2']));
  index = recordImage(index, record(b, ['docker.io/library/x:1']));
  t.deepEqual(index.images.map((i) => [i.id, i.names]), [
    [a, ['docker.io/library/x:2']],
    [b, ['docker.io/library/x:1']],
  ]);
});

test('recordImage of an image already present merges its names instead of duplicating it', (t) => {
  const a = sha('a');
  let index = recordImage(emptyIndex(), record(a, ['docker.io/library/x:1']));
  index = recordImage(index, record(a, ['docker.io/library/y:1', 'docker.io/library/x:1']));
  t.deepEqual(index.images.map((i) => [i.id, i.names]), [[a, ['docker.io/library/y:1', 'docker.io/library/x:1']]]);
});

test('lookupImage follows docker: ids, then names, then unique id prefixes', (t) => {
  const a = `sha256:abcd${'0'.repeat(60)}` as Digest;
  const b = `sha256:abce${'1'.repeat(60)}` as Digest;
  const index = [record(a, ['docker.io/library/busybox:latest', 'localhost:5000/lab/busybox:v1']), record(b, ['docker.io/library/abcd:latest'])].reduce(recordImage, emptyIndex());
  t.is(lookupImage(index, 'busybox').id, a);
  t.is(lookupImage(index, 'docker.io/library/busybox:latest').id, a);
  t.is(lookupImage(index, 'localhost:5000/lab/busybox:v1').id, a);
  t.is(lookupImage(index, a).id, a);
  t.is(lookupImage(index, hex(a)).id, a);
  t.is(lookupImage(index, 'sha256:abcd').id, a);
  t.is(lookupImage(index, 'abcd').id, b, 'a name wins over an id prefix, as in docker');
  t.is(lookupImage(index, 'abce1').id, b);
  t.is(lookupImage(index, `busybox@${sha(`m-${a}`)}`).id, a, 'name@digest finds the image by manifest digest');
  t.throws(() => lookupImage(index, 'abc'), { instanceOf: ImageError, message: "Unable to find image 'abc:latest' locally" });
  t.throws(() => lookupImage(index, 'sha256:abc'), { instanceOf: ImageError, message: /too short: give at least 4 hex characters/ });
  t.throws(() => lookupImage(index, 'sha256:abc0'), { instanceOf: ImageError, message: 'No such image: sha256:abc0' });
  t.throws(() => lookupImage(index, 'sha256:ab'), { message: /too short/ });
  const both = recordImage(index, record(`sha256:abcf${'2'.repeat(60)}` as Digest, []));
  t.throws(() => lookupImage(both, 'sha256:abc'), { message: /too short/ });
  t.throws(() => lookupImage(recordImage(index, record(`sha256:abcd${'3'.repeat(60)}` as Digest, [])), 'sha256:abcd'), {
    instanceOf: ImageError,
    message: "image id prefix 'sha256:abcd' is ambiguous: it matches 2 images; give more characters of the id",
  });
});

test('a missing image is docker\'s "Unable to find image" with a hint to pull or load it', (t) => {
  const err = t.throws(() => lookupImage(emptyIndex(), 'lab/busybox'), { instanceOf: ImageNotFoundError });
  t.is(err!.message, "Unable to find image 'lab/busybox:latest' locally");
  t.is(err!.hint, "Pull it with 'sandbox pull lab/busybox:latest', or load it with 'sandbox load -i ARCHIVE'.");
  t.throws(() => lookupImage(emptyIndex(), 'Bad//Ref'), { instanceOf: ImageError, message: /^invalid reference format/ });
});

// ---- the store on disk ---------------------------------------------------------------------

test('resolveImage gives the config and absolute layer directories', async (t) => {
  const { store, root } = await setup(t);
  const id = await addImage(store, 1, ['docker.io/library/one:latest']);
  const r = await store.resolveImage('one');
  t.is(r.id, id);
  t.deepEqual(r.names, ['docker.io/library/one:latest']);
  t.deepEqual(r.config.config?.Cmd, ['cmd1']);
  t.deepEqual(r.layerDirs, [join(root, 'data', 'layers', hex(chainIds([sha('d1')])[0]!), 'diff')]);
  t.is((await store.resolveImage(hex(id).slice(0, 12))).id, id);
  await t.throwsAsync(store.resolveImage('two'), { instanceOf: ImageError, message: "Unable to find image 'two:latest' locally" });
});

test('putBlob refuses content that does not match the digest and stores nothing', async (t) => {
  const { store, root } = await setup(t);
  const want = sha('expected');
  await t.throwsAsync(store.putBlob(want, Buffer.from('something else')), {
    instanceOf: ImageError,
    message: `${want} failed verification: expected digest ${want}, content is ${sha('something else')}; the archive or download is corrupt`,
  });
  t.false(await store.hasBlob(want));
  t.deepEqual(await readdir(join(root, 'data', 'tmp')), []);
  await store.putBlob(want, Buffer.from('expected'));
  t.deepEqual(await store.readBlob(want), Buffer.from('expected'));
});

test('readBlob notices a blob damaged on disk', async (t) => {
  const { store } = await setup(t);
  const d = sha('good');
  await store.putBlob(d, Buffer.from('good'));
  await writeFile(store.blobPath(d), 'bad!');
  await t.throwsAsync(store.readBlob(d), { instanceOf: ImageError, message: new RegExp(`^blob ${d} in the store is corrupt`) });
});

test('a layer directory without layer.json is not a layer', async (t) => {
  const { store } = await setup(t);
  const c = sha('chain');
  await mkdir(store.layerDir(c), { recursive: true });
  t.false(await store.hasLayer(c));
});

test('commitLayer keeps the layer published first and discards the later one', async (t) => {
  const { store } = await setup(t);
  const c = sha('chain');
  const info = { diffId: c, chainId: c, parent: null, size: 0, complete: true as const };
  const u = tarUnpacker();
  const first = await store.makeTempDir('layer');
  await mkdir(join(first, 'diff'));
  await writeFile(join(first, 'diff', 'from-first'), '');
  const second = await store.makeTempDir('layer');
  await mkdir(join(second, 'diff'));
  t.true(await store.commitLayer(first, info, u));
  t.false(await store.commitLayer(second, info, u));
  t.deepEqual(u.removed, [second]);
  t.deepEqual(await readdir(store.layerDir(c)), ['from-first']);
});

test('commitLayer replaces a damaged (incomplete) directory at the target', async (t) => {
  const { store } = await setup(t);
  const c = sha('chain');
  await mkdir(join(store.layerPath(c), 'diff'), { recursive: true });
  await writeFile(join(store.layerPath(c), 'diff', 'junk'), '');
  const staging = await store.makeTempDir('layer');
  await mkdir(join(staging, 'diff'));
  t.true(await store.commitLayer(staging, { diffId: c, chainId: c, parent: null, size: 0, complete: true }, tarUnpacker()));
  t.true(await store.hasLayer(c));
  t.deepEqual(await readdir(store.layerDir(c)), []);
});

test('resolveImage refuses an image whose layer directory is gone', async (t) => {
  const { store } = await setup(t);
  await addImage(store, 1, ['docker.io/library/one:latest']);
  const [chain] = chainIds([sha('d1')]);
  await tarUnpacker().remove([store.layerPath(chain!)]);
  await t.throwsAsync(store.resolveImage('one'), { instanceOf: ImageError, message: `image one is incomplete: layer ${chain} is missing from the store; load or pull the image again` });
});

test('a corrupt index.json is reported with the fix', async (t) => {
  const { store } = await setup(t);
  await writeFile(store.indexPath, '{"version": 1, "images": [{"id": 3}]}');
  await t.throwsAsync(store.resolveImage('x'), { instanceOf: ImageError, message: `image index ${store.indexPath} is corrupt; move it aside and load or pull your images again` });
});

test('concurrent index updates from one process all land (the lock serialises them)', async (t) => {
  const { store } = await setup(t);
  const ids = Array.from({ length: 8 }, (_, i) => sha(`img${i}`));
  // recordImages checks that what a record needs is stored: each record's config blob is.
  await Promise.all(ids.map((id, i) => store.putBlob(id, Buffer.from(`img${i}`))));
  await Promise.all(ids.map((id, i) => store.recordImages([record(id, [`docker.io/library/img:${i}`])])));
  t.deepEqual((await store.listImages()).map((r) => r.id).sort(), [...ids].sort());
});

test('removeStaleTemp removes what dead processes left in tmp/ and keeps the living ones', async (t) => {
  const { store } = await setup(t);
  const dead = join(store.paths.tmp, `layer-999999999-${'a'.repeat(16)}`);
  const mine = await store.makeTempDir('layer');
  const foreign = join(store.paths.tmp, 'not-ours');
  for (const d of [dead, foreign]) await mkdir(join(d, 'diff'), { recursive: true });
  const u = tarUnpacker();
  t.deepEqual(await store.removeStaleTemp(u), [dead]);
  t.deepEqual((await readdir(store.paths.tmp)).sort(), [mine.split('/').pop()!, 'not-ours'].sort());
});
