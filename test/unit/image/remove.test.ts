// rmi and image prune: docker's untag/delete rules and conflict messages (pure planning), and
// the store dropping exactly what no image references any more.
import test from 'ava';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ImageError } from '../../../src/errors.js';
import { chainIds } from '../../../src/image/digest.js';
import { emptyIndex, recordImage, type ImageIndex, type ImageRecord } from '../../../src/image/image-index.js';
import { planImageDelete, planPrune } from '../../../src/image/remove.js';
import type { ContainerRecord } from '../../../src/state/containers.js';
import { hex, sha, tarUnpacker, tempStore, type Digest } from './image-fixtures.js';

const idA = `sha256:aaaa${'1'.repeat(60)}` as Digest;
const idB = `sha256:bbbb${'2'.repeat(60)}` as Digest;

function rec(id: Digest, names: string[], repoDigests: string[] = [], layers: string[] = ['base']): ImageRecord {
  const diffIds = layers.map((l) => sha(l));
  const chains = chainIds(diffIds);
  return {
    id,
    names,
    repoDigests,
    manifestDigest: sha(`m${id}`),
    configDigest: id,
    created: '2024-01-01T00:00:00Z',
    layers: diffIds.map((d, i) => ({ diffId: d, chainId: chains[i]!, size: 100, digest: sha(`blob-${layers[i]}`), mediaType: 'x' })),
  };
}

const container = (imageId: string, status: ContainerRecord['status'], id = 'c0ffee1234567890'): ContainerRecord => ({
  id: id + '0'.repeat(48),
  name: 'n',
  image: 'busybox',
  imageId,
  command: ['sh'],
  created: '',
  status,
  autoRemove: false,
});

const index = (...records: ImageRecord[]): ImageIndex => records.reduce(recordImage, emptyIndex());
const bb = 'docker.io/library/busybox:latest';
const bbDigest = `docker.io/library/busybox@${sha('m')}`;

test('rmi of one of several names only untags', (t) => {
  const plan = planImageDelete(index(rec(idA, [bb, 'docker.io/library/mine:1'])), 'busybox', false, []);
  t.deepEqual(plan.lines, ['Untagged: busybox:latest']);
  t.deepEqual(plan.removed, []);
  t.deepEqual(plan.index.images[0]!.names, ['docker.io/library/mine:1']);
});

test('rmi of the last tag untags its repo digests too and deletes the image', (t) => {
  const plan = planImageDelete(index(rec(idA, [bb], [bbDigest])), 'busybox:latest', false, []);
  t.deepEqual(plan.lines, ['Untagged: busybox:latest', `Untagged: busybox@${sha('m')}`, `Deleted: ${idA}`]);
  t.deepEqual(plan.index.images, []);
  t.is(plan.removed[0]!.id, idA);
});

test('rmi refuses an image a container uses, with docker\'s messages, unless forced', (t) => {
  const idx = index(rec(idA, [bb]));
  t.throws(() => planImageDelete(idx, 'busybox', false, [container(idA, 'exited')]), {
    instanceOf: ImageError,
    message: `conflict: unable to remove repository reference "busybox" (must force) - container c0ffee123456 is using its referenced image aaaa11111111`,
  });
  t.throws(() => planImageDelete(idx, 'aaaa1111', false, [container(idA, 'exited')]), {
    message: 'conflict: unable to delete aaaa11111111 (must be forced) - image is being used by stopped container c0ffee123456',
  });
  t.throws(() => planImageDelete(idx, 'aaaa1111', true, [container(idA, 'running')]), {
    message: 'conflict: unable to delete aaaa11111111 (cannot be forced) - image is being used by running container c0ffee123456',
  });
  const forced = planImageDelete(idx, 'aaaa1111', true, [container(idA, 'exited')]);
  t.deepEqual(forced.lines, ['Untagged: busybox:latest', `Deleted: ${idA}`]);
  const keptForRunning = planImageDelete(idx, 'busybox', true, [container(idA, 'running')]);
  t.deepEqual(keptForRunning.lines, ['Untagged: busybox:latest'], 'forced untag of a running container\'s image leaves it dangling');
  t.deepEqual(keptForRunning.removed, []);
});

test('rmi by id of an image in several repositories needs -f; a missing image is "No such image"', (t) => {
  const idx = index(rec(idA, [bb, 'docker.io/lab/other:1']), rec(idB, []));
  t.throws(() => planImageDelete(idx, hex(idA).slice(0, 12), false, []), {
    message: 'conflict: unable to delete aaaa11111111 (must be forced) - image is referenced in multiple repositories',
  });
  const forced = planImageDelete(idx, `sha256:${hex(idA)}`, true, []);
  t.deepEqual(forced.lines, ['Untagged: busybox:latest', 'Untagged: lab/other:1', `Deleted: ${idA}`]);
  t.deepEqual(planImageDelete(idx, 'bbbb2222', false, []).lines, [`Deleted: ${idB}`], 'a dangling image by id');
  t.throws(() => planImageDelete(idx, 'nope', false, []), { instanceOf: ImageError, message: 'No such image: nope:latest' });
});

test('image prune removes dangling images (all unused with -a), never one a container uses', (t) => {
  const idx = index(rec(idA, [bb]), rec(idB, []), rec(`sha256:cccc${'3'.repeat(60)}` as Digest, []));
  const dangling = planPrune(idx, false, [container(`sha256:cccc${'3'.repeat(60)}`, 'exited')]);
  t.deepEqual(dangling.lines, [`deleted: ${idB}`]);
  const all = planPrune(idx, true, []);
  t.deepEqual(all.removed.map((r) => r.id), [idA, idB, `sha256:cccc${'3'.repeat(60)}`]);
  t.true(all.lines.includes('untagged: busybox:latest'));
});

test('store.removeImages drops the layers and blobs only the removed image used, top-most first', async (t) => {
  const s = await tempStore();
  t.teardown(s.cleanup);
  const { store } = s;
  await store.init();
  const a = rec(idA, [bb], [], ['base', 'a-top']);
  const b = rec(idB, ['docker.io/lab/b:1'], [], ['base', 'b-top']);
  for (const r of [a, b]) {
    await store.putBlob(r.configDigest as Digest, Buffer.from('x')).catch(() => undefined);
    for (const l of r.layers) {
      if (await store.hasLayer(l.chainId)) continue;
      const staging = await store.makeTempDir('layer');
      await mkdir(join(staging, 'diff'));
      await store.commitLayer(staging, { diffId: l.diffId, chainId: l.chainId, parent: null, size: l.size, complete: true }, tarUnpacker());
    }
  }
  // Blobs named by content so the test can see which survive.
  await store.putBlob(sha('blob-base'), Buffer.from('blob-base'));
  await store.putBlob(sha('blob-a-top'), Buffer.from('blob-a-top'));
  await store.updateIndex(() => index(a, b));
  const unpacker = tarUnpacker();
  const out = await store.removeImages((idx) => planImageDelete(idx, 'busybox', false, []), unpacker);
  t.deepEqual(out.removedLayers, [a.layers[1]!.chainId], 'the shared base layer stays');
  t.is(out.reclaimed, 100);
  t.deepEqual((await readdir(store.paths.layers)).sort(), [a.layers[0]!.chainId, b.layers[1]!.chainId].map(hex).sort());
  t.true(await store.hasBlob(sha('blob-base')));
  t.false(await store.hasBlob(sha('blob-a-top')));
  t.deepEqual((await store.listImages()).map((r) => r.id), [idB]);
});
