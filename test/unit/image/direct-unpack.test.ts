// A layer into the store through the real unpacker, which hashes its own input: the bytes go
// to it directly (an uncompressed tar), through a decompressor program whose output is its
// stdin (igzip, zstd), or through an in-process decompressor (zlib). Each way the diff id is
// checked before anything is published, and a failure names its real cause.
import test from 'ava';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { findExecutable, type DecompressOptions } from '../../../src/image/decompress.js';
import { chainIds } from '../../../src/image/digest.js';
import { importLayer } from '../../../src/image/layer-import.js';
import { nativeUnpacker } from '../../../src/image/unpacker.js';
import { tarArchive } from '../../fixtures/hostile/tar-writer.js';
import { needs } from '../../helpers/facility.js';
import { sha, tempStore, writeTemp, zstdCompress } from './image-fixtures.js';

const facilities = ['monitor', 'unprivileged', 'userns', 'subids', 'newidmap'] as const;
const native = needs(test, facilities, 'unpacks with sandbox-monitor in a user namespace');

const tar = tarArchive([
  { name: 'etc/', type: '5', mode: 0o755 },
  { name: 'etc/hostname', data: 'layer\n' },
  { name: 'usr/bin/tool', data: Buffer.alloc(300_000, 0x74), mode: 0o4755 },
  { name: 'usr/bin/alias', type: '2', linkname: 'tool' },
]);

/** A scratch store whose unpacked (subordinate-owned) files are removed by the unpacker. */
async function scratch(t: { teardown: (fn: () => Promise<void>) => void }) {
  const s = await tempStore();
  const unpacker = nativeUnpacker();
  t.teardown(async () => {
    await unpacker.remove([s.root]);
    await s.cleanup();
  });
  return { ...s, unpacker };
}

const ways: { name: string; blob: () => Buffer; opts: DecompressOptions; compression: string; available: boolean }[] = [
  { name: 'an uncompressed tar', blob: () => tar, opts: {}, compression: 'none', available: true },
  { name: 'gzip through igzip', blob: () => gzipSync(tar), opts: {}, compression: 'gzip', available: findExecutable('igzip') !== undefined },
  { name: 'gzip through zlib', blob: () => gzipSync(tar), opts: { noIgzip: true }, compression: 'gzip', available: true },
  { name: 'zstd through the zstd program', blob: () => zstdCompress(tar), opts: { noNodeZstd: true }, compression: 'zstd', available: true },
];

for (const way of ways) {
  // igzip comes with Debian's isal (test/host/prepare.sh installs it).
  const declare = way.available ? native : needs(test, false, 'igzip (apt-get install isal)');
  declare(`${way.name} is unpacked and verified against its diff id`, async (t) => {
    const s = await scratch(t);
    const file = await writeTemp(s.root, 'layer.blob', way.blob());
    const diffId = sha(tar);
    const [chainId] = chainIds([diffId]);
    const r = await importLayer(s.store, s.unpacker, { what: 'layer.blob', file, diffId, chainId: chainId!, parent: null }, way.opts);
    t.like(r, { size: tar.length, compression: way.compression, unpacked: true });
    const dir = s.store.layerDir(chainId!);
    t.is(await readFile(join(dir, 'etc/hostname'), 'utf8'), 'layer\n');
    t.is((await readFile(join(dir, 'usr/bin/tool'))).length, 300_000);
    t.deepEqual(await readdir(s.store.paths.tmp), [], 'no staging left behind');
  });
}

for (const [how, opts] of [['igzip', {}], ['zlib', { noIgzip: true }]] as const) {
  native(`a truncated gzip blob (${how}) is refused as corrupt, and nothing is published`, async (t) => {
    const s = await scratch(t);
    const gz = gzipSync(tar);
    const file = await writeTemp(s.root, 'cut.blob', gz.subarray(0, gz.length - 1000));
    const diffId = sha(tar);
    const [chainId] = chainIds([diffId]);
    await t.throwsAsync(importLayer(s.store, s.unpacker, { what: 'cut.blob', file, diffId, chainId: chainId!, parent: null }, opts), {
      message: /^layer cut\.blob is corrupt: cannot decompress it \(.*\); the archive is damaged$/,
    });
    t.false(await s.store.hasLayer(chainId!));
    t.deepEqual(await readdir(s.store.paths.tmp), []);
  });
}

native('content that does not hash to the diff id is refused, and nothing is published', async (t) => {
  const s = await scratch(t);
  const file = await writeTemp(s.root, 'other.blob', gzipSync(tar));
  const diffId = sha('something else');
  const [chainId] = chainIds([diffId]);
  await t.throwsAsync(importLayer(s.store, s.unpacker, { what: 'other.blob', file, diffId, chainId: chainId!, parent: null }), {
    message: `layer other.blob failed verification: the image config gives diff id ${diffId}, its content is ${sha(tar)}; the archive is corrupt`,
  });
  t.false(await s.store.hasLayer(chainId!));
  t.deepEqual(await readdir(s.store.paths.tmp), []);
});

native("a hostile tar behind gzip is refused with the unpacker's reason, not the decompressor's", async (t) => {
  const s = await scratch(t);
  // Big enough that the decompressor is still writing when the unpacker gives up.
  const hostile = tarArchive([{ name: '../../escape', data: Buffer.alloc(4 << 20, 0x65) }]);
  const file = await writeTemp(s.root, 'hostile.blob', gzipSync(hostile));
  const diffId = sha(hostile);
  const [chainId] = chainIds([diffId]);
  await t.throwsAsync(importLayer(s.store, s.unpacker, { what: 'hostile.blob', file, diffId, chainId: chainId!, parent: null }), {
    message: /^layer hostile\.blob: refusing tar entry '\.\.\/\.\.\/escape': it has a '\.\.' component/,
  });
  t.false(await s.store.hasLayer(chainId!));
  t.deepEqual(await readdir(s.store.paths.tmp), []);
});

native("a hostile uncompressed tar is refused with the unpacker's reason while the rest of it is still coming", async (t) => {
  const s = await scratch(t);
  const hostile = tarArchive([{ name: '/../etc/../../x', type: '1', linkname: '../../../etc/passwd' }, { name: 'pad', data: Buffer.alloc(8 << 20) }]);
  const file = await writeTemp(s.root, 'plain.blob', hostile);
  const diffId = sha(hostile);
  const [chainId] = chainIds([diffId]);
  await t.throwsAsync(importLayer(s.store, s.unpacker, { what: 'plain.blob', file, diffId, chainId: chainId!, parent: null }), {
    message: /^layer plain\.blob: refusing tar entry '\/\.\.\/etc\/\.\.\/\.\.\/x': it has a '\.\.' component/,
  });
  t.false(await s.store.hasLayer(chainId!));
  t.deepEqual(await readdir(s.store.paths.tmp), []);
});

native('a zstd layer on a host without any zstd is refused with the fix, and nothing is left behind', async (t) => {
  const s = await scratch(t);
  const file = await writeTemp(s.root, 'z.blob', zstdCompress(tar));
  const diffId = sha(tar);
  const [chainId] = chainIds([diffId]);
  await t.throwsAsync(importLayer(s.store, s.unpacker, { what: 'z.blob', file, diffId, chainId: chainId!, parent: null }, { noNodeZstd: true, env: { PATH: '/nonexistent' } }), {
    message: /^layer z\.blob is zstd-compressed and this host cannot decompress zstd: .*apt-get install zstd/,
  });
  t.false(await s.store.hasLayer(chainId!));
  t.deepEqual(await readdir(s.store.paths.tmp), []);
});
