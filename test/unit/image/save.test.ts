// save writes docker-archive and oci-archive that load back to the same image, that skopeo
// reads, and whose layer content is checked on the way out.
import test from 'ava';
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { loadArchive } from '../../../src/image/load.js';
import { saveArchive, type SaveFormat } from '../../../src/image/save.js';
import { readTar } from '../../../src/image/tar-reader.js';
import { tarStream } from '../../../src/image/tar-writer.js';
import { dockerArchive, makeImage, tarUnpacker, tempStore, writeTemp } from './image-fixtures.js';

const run = promisify(execFile);

const layers = [
  { compression: 'gzip' as const, files: [{ path: 'etc/', type: '5' }, { path: 'etc/passwd', data: 'root:x:0:0::/root:/bin/sh\n' }] },
  { compression: 'none' as const, files: [{ path: 'etc/motd', data: 'top\n' }] },
];

async function loaded(t: { teardown: (f: () => Promise<void>) => void }) {
  const s = await tempStore();
  t.teardown(s.cleanup);
  const img = makeImage(layers);
  await loadArchive(await writeTemp(s.root, 'in.tar', dockerArchive(img, ['lab/busybox:v1'])), s.store, tarUnpacker());
  return { ...s, img };
}

async function save(store: Parameters<typeof saveArchive>[0], file: string, format: SaveFormat, names: string[]): Promise<void> {
  const record = (await store.listImages())[0]!;
  await pipeline(saveArchive(store, [{ record, names }], format), createWriteStream(file));
}

for (const format of ['docker-archive', 'oci-archive'] as const) {
  test(`save as ${format} then load into an empty store gives the same image`, async (t) => {
    const { store, root, img } = await loaded(t);
    const file = join(root, `out-${format}.tar`);
    await save(store, file, format, ['docker.io/lab/busybox:v1']);
    const other = await tempStore();
    t.teardown(other.cleanup);
    const r = await loadArchive(file, other.store, tarUnpacker());
    t.deepEqual(r.images, [{ id: img.configDigest, names: ['docker.io/lab/busybox:v1'] }]);
    const names = [];
    for await (const e of readTar((await import('node:fs')).createReadStream(file))) names.push(e.path);
    t.true(names.includes(format === 'docker-archive' ? 'manifest.json' : 'index.json'));
    const tools = await run('skopeo', ['--version']).then(() => true, () => false);
    if (tools) {
      const { stdout } = await run('skopeo', ['--insecure-policy', 'inspect', '--config', `${format}:${file}`]);
      t.deepEqual((JSON.parse(stdout) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids, img.diffIds, 'skopeo reads our archive');
    }
  });
}

test('a layer blob damaged in the store fails the save instead of writing a lying archive', async (t) => {
  const { store, root } = await loaded(t);
  const record = (await store.listImages())[0]!;
  await writeFile(store.blobPath(record.layers[1]!.digest), 'tampered!');
  await t.throwsAsync(save(store, join(root, 'x.tar'), 'docker-archive', []), { message: /in the store is corrupt|has \d+ bytes, its header gives/ });
});

test('the tar writer puts long names in pax headers that the reader reads back', async (t) => {
  const long = `${'d/'.repeat(60)}file`;
  const chunks: Buffer[] = [];
  for await (const c of tarStream([{ name: long, size: 3, data: () => Readable.from([Buffer.from('abc')]) }, { name: 'dir', dir: true }])) chunks.push(c);
  const entries = [];
  for await (const e of readTar(Readable.from([Buffer.concat(chunks)]))) {
    let body = '';
    for await (const b of e.body()) body += b.toString();
    entries.push([e.path, e.type, body]);
  }
  t.deepEqual(entries, [[long, 'file', 'abc'], ['dir/', 'directory', '']]);
});
