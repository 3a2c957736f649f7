// run's implicit pull: --pull=missing pulls only what is absent (saying so as docker does),
// always pulls, never refuses with "No such image".
import test from 'ava';
import { join } from 'node:path';
import { ImageError } from '../../../src/errors.js';
import { ensureImage, parsePullPolicy } from '../../../src/image/ensure.js';
import { addImage, startFakeRegistry } from './fake-registry.js';
import { tarUnpacker, tempStore } from './image-fixtures.js';
import { imageUsage, reclaimableText, usageRows } from '../../../src/image/disk-usage.js';

function buffer() {
  let text = '';
  return { write: (s: string) => ((text += s), true), get text() { return text; } } as unknown as NodeJS.WritableStream & { text: string };
}

test('--pull=missing pulls an absent image with docker\'s lines on the progress stream, then uses the local one', async (t) => {
  const s = await tempStore();
  const reg = await startFakeRegistry();
  t.teardown(async () => {
    await reg.close();
    await s.cleanup();
  });
  const env = { HOME: s.root, REGISTRY_AUTH_FILE: join(s.root, 'a.json') };
  const img = addImage(reg, 'lab/app', 'latest', [[{ path: 'x', data: 'x' }]]);
  const err = buffer();
  const unpacker = tarUnpacker();
  const r = await ensureImage(`${reg.address}/lab/app`, { pull: 'missing', quiet: false, progress: err, env, unpacker }, s.store);
  t.is(r.id, img.configDigest);
  const lines = err.text.split('\n');
  t.is(lines[0], `Unable to find image '${reg.address}/lab/app:latest' locally`);
  t.is(lines[1], 'latest: Pulling from lab/app');
  t.true(lines.includes(`Status: Downloaded newer image for ${reg.address}/lab/app:latest`));

  const quiet = buffer();
  const before = reg.log.length;
  await ensureImage(`${reg.address}/lab/app`, { pull: 'missing', quiet: false, progress: quiet, env, unpacker }, s.store);
  t.is(quiet.text, '', 'present: nothing printed');
  t.is(reg.log.length, before, 'and nothing asked of the registry');

  const always = buffer();
  await ensureImage(`${reg.address}/lab/app`, { pull: 'always', quiet: false, progress: always, env, unpacker }, s.store);
  t.true(always.text.includes(`Status: Image is up to date for ${reg.address}/lab/app:latest`));

  const silent = buffer();
  await ensureImage(`${reg.address}/lab/app@${img.manifestDigest}`, { pull: 'always', quiet: true, progress: silent, env, unpacker }, s.store);
  t.is(silent.text, '');
});

test('--pull=never: "No such image" for what the store lacks; bad policies are refused', async (t) => {
  const s = await tempStore();
  t.teardown(s.cleanup);
  await t.throwsAsync(ensureImage('busybox', { pull: 'never', quiet: false, progress: buffer(), env: {}, unpacker: tarUnpacker() }, s.store), {
    instanceOf: ImageError,
    message: 'No such image: busybox:latest',
  });
  t.is(parsePullPolicy('Always'), 'always');
  t.throws(() => parsePullPolicy('sometimes'), { message: `invalid pull option: 'sometimes': must be one of "always", "missing", "never"` });
});

test('system df counts shared layers once and reclaims what no container needs', (t) => {
  const layer = (n: string, size: number) => ({ diffId: `sha256:${n.repeat(64)}`, chainId: `sha256:${n.repeat(64)}`, size, digest: `sha256:${n.repeat(64)}`, mediaType: 'x' }) as const;
  const img = (id: string, layers: ReturnType<typeof layer>[]) => ({ id: `sha256:${id.repeat(64)}`, names: [], manifestDigest: `sha256:${id.repeat(64)}`, configDigest: `sha256:${id.repeat(64)}`, created: '', layers }) as never;
  const images = [img('a', [layer('1', 1000), layer('2', 500)]), img('b', [layer('1', 1000), layer('3', 250)])];
  const used = [{ imageId: `sha256:${'a'.repeat(64)}` }] as never[];
  const u = imageUsage(images, used);
  t.deepEqual(u, { total: 2, active: 1, size: 1750, reclaimable: 250 });
  t.is(reclaimableText(u), '250B (14%)');
  const rows = usageRows(u, { total: 1, active: 0, size: 0, reclaimable: 0 });
  t.deepEqual(rows.map((r) => [r.Type, r.TotalCount, r.Active, r.Size, r.Reclaimable]), [
    ['Images', 2, 1, '1.75kB', '250B (14%)'],
    ['Containers', 1, 0, '0B', '0B'],
    ['Local Volumes', 0, 0, '0B', '0B'],
    ['Build Cache', 0, 0, '0B', '0B'],
  ]);
});
