// push against the in-process registry: uploads what the registry lacks, skips what it has,
// mounts from another repository of the same registry, and puts the manifest last; what was
// pushed pulls back to the same image.
import test from 'ava';
import { join } from 'node:path';
import { ImageError } from '../../../src/errors.js';
import { pullImage } from '../../../src/image/pull.js';
import type { ProgressSink } from '../../../src/image/pull-progress.js';
import { pushImage } from '../../../src/image/push.js';
import { addImage, startFakeRegistry } from './fake-registry.js';
import { hex, tarUnpacker, tempStore } from './image-fixtures.js';

function recorder(): ProgressSink & { lines: string[] } {
  const lines: string[] = [];
  return { lines, line: (t) => lines.push(t), layer: (id, s, _c, _t, d) => s !== 'Pushing' && lines.push(`${id}: ${s}${d ? ` ${d}` : ''}`) };
}

test('push uploads missing blobs, mounts or skips the rest, then the manifest; the result pulls back', async (t) => {
  const s = await tempStore();
  const src = await startFakeRegistry();
  const dst = await startFakeRegistry();
  t.teardown(async () => {
    await src.close();
    await dst.close();
    await s.cleanup();
  });
  const env = { HOME: s.root, REGISTRY_AUTH_FILE: join(s.root, 'auth.json') };
  const img = addImage(src, 'lab/app', 'v1', [[{ path: 'a', data: 'a\n' }], [{ path: 'b', data: 'b\n' }]]);
  await pullImage(`${src.address}/lab/app:v1`, s.store, { env, unpacker: tarUnpacker() });

  await t.throwsAsync(pushImage(`${dst.address}/lab/copy:v1`, s.store, { env }), {
    instanceOf: ImageError,
    message: `An image does not exist locally with the tag: ${dst.address}/lab/copy:v1`,
  });
  await s.store.tag(img.configDigest, `${dst.address}/lab/copy:v1`);
  const progress = recorder();
  const r = await pushImage(`${dst.address}/lab/copy:v1`, s.store, { env, progress });
  t.is(r.digest, img.manifestDigest);
  const ids = img.diffIds.map((d) => hex(d).slice(0, 12)).reverse();
  t.deepEqual(progress.lines.slice(0, 3), [`The push refers to repository [${dst.address}/lab/copy]`, `${ids[0]}: Preparing`, `${ids[1]}: Preparing`]);
  t.true(progress.lines.includes(`${ids[0]}: Pushed`));
  t.is(progress.lines[progress.lines.length - 1], `v1: digest: ${img.manifestDigest} size: ${img.manifest.length}`);
  for (const d of [img.configDigest, ...img.layerDigests]) t.true(dst.blobs.has(d), `${d} uploaded`);
  t.deepEqual(dst.manifests.get('lab/copy:v1')?.body, img.manifest);

  // Again: everything is there. To another repository of the same registry: mounted.
  const again = recorder();
  await pushImage(`${dst.address}/lab/copy:v1`, s.store, { env, progress: again });
  t.true(again.lines.includes(`${ids[0]}: Layer already exists`));
  await s.store.tag(img.configDigest, `${dst.address}/lab/other:v2`);
  const mounted = recorder();
  const puts = dst.log.length;
  await pushImage(`${dst.address}/lab/other:v2`, s.store, { env, progress: mounted });
  t.true(mounted.lines.includes(`${ids[0]}: Mounted from lab/copy`));
  t.false(dst.log.slice(puts).some((l) => l.method === 'PUT' && l.url.includes('/blobs/uploads/')), 'no blob was uploaded again');

  const record = (await s.store.listImages()).find((x) => x.id === img.configDigest)!;
  t.true(record.repoDigests!.includes(`${dst.address}/lab/copy@${img.manifestDigest}`));

  const fresh = await tempStore();
  t.teardown(fresh.cleanup);
  const back = await pullImage(`${dst.address}/lab/other:v2`, fresh.store, { env, unpacker: tarUnpacker() });
  t.is(back.record.id, img.configDigest);
});
