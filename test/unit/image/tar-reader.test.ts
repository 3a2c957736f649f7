import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ImageError } from '../../../src/errors.js';
import { parseNumeric, readTar, type TarEntry } from '../../../src/image/tar-reader.js';
import { entryBlocks, headerBlock, makeTar, type TarFormat } from './tar-writer.js';

const run = promisify(execFile);

/** Feed a buffer in small uneven chunks, so every boundary case of the reader is crossed. */
async function* chunks(buf: Buffer, size = 97): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

async function readAll(buf: Buffer | AsyncIterable<Uint8Array>, readBodies = true) {
  const out: { path: string; type: string; linkpath: string; data: string }[] = [];
  const src = Buffer.isBuffer(buf) ? chunks(buf) : buf;
  for await (const e of readTar(src, { name: 'test.tar' })) {
    let data = '';
    if (readBodies) for await (const c of e.body()) data += c.toString();
    out.push({ path: e.path, type: e.type, linkpath: e.linkpath, data });
  }
  return out;
}

const longDir = 'd'.repeat(60) + '/' + 'e'.repeat(60);
const longName = `${longDir}/${'f'.repeat(120)}.txt`;
const longTarget = `${'t'.repeat(150)}/target`;

for (const format of ['gnu', 'pax'] as TarFormat[]) {
  test(`${format} long names and long link targets are read whole`, async (t) => {
    const tar = makeTar(
      [
        { path: longName, data: 'hello' },
        { path: 'link', type: '2', linkpath: longTarget },
        { path: 'short', data: 'x'.repeat(1500) },
      ],
      format,
    );
    t.deepEqual(await readAll(tar), [
      { path: longName, type: 'file', linkpath: '', data: 'hello' },
      { path: 'link', type: 'symlink', linkpath: longTarget, data: '' },
      { path: 'short', type: 'file', linkpath: '', data: 'x'.repeat(1500) },
    ]);
  });
}

test('ustar prefix + name are joined into one path', async (t) => {
  const path = `${'p'.repeat(120)}/name.txt`;
  t.deepEqual((await readAll(makeTar([{ path, data: 'z' }])))[0], { path, type: 'file', linkpath: '', data: 'z' });
});

test('a pax size record overrides the header size', async (t) => {
  const rec = Buffer.from('12 size=700\n');
  const data = Buffer.alloc(700, 0x41);
  const tar = Buffer.concat([
    headerBlock({ path: 'PaxHeaders/big', type: 'x', size: rec.length }),
    rec,
    Buffer.alloc(512 - rec.length),
    headerBlock({ path: 'big', type: '0', size: 0 }),
    data,
    Buffer.alloc(1024 - 700),
    Buffer.alloc(1024),
  ]);
  const [e] = await readAll(tar);
  t.is(e!.data.length, 700);
});

test('a pax global header applies to every later entry', async (t) => {
  const rec = Buffer.from('17 linkpath=glob\n');
  const tar = Buffer.concat([
    headerBlock({ path: 'g', type: 'g', size: rec.length }),
    rec,
    Buffer.alloc(512 - rec.length),
    ...entryBlocks({ path: 'a', type: '1' }),
    ...entryBlocks({ path: 'b', type: '1' }),
    Buffer.alloc(1024),
  ]);
  t.deepEqual((await readAll(tar)).map((e) => e.linkpath), ['glob', 'glob']);
});

test('bodies left unread are skipped, and the next entry is still found', async (t) => {
  const tar = makeTar([
    { path: 'a', data: 'A'.repeat(3000) },
    { path: 'b', data: 'B'.repeat(10) },
  ]);
  t.deepEqual((await readAll(tar, false)).map((e) => e.path), ['a', 'b']);
});

test('a partly read body is skipped to its end', async (t) => {
  const tar = makeTar([
    { path: 'a', data: 'A'.repeat(3000) },
    { path: 'b', data: 'B' },
  ]);
  const seen: string[] = [];
  for await (const e of readTar(chunks(tar, 100))) {
    seen.push(e.path);
    for await (const c of e.body()) {
      t.true(c.length > 0);
      break;
    }
  }
  t.deepEqual(seen, ['a', 'b']);
});

test('reading a body after moving on is a programming error, not silent garbage', async (t) => {
  let first: TarEntry | undefined;
  for await (const e of readTar(chunks(makeTar([{ path: 'a', data: 'A' }, { path: 'b', data: 'B' }])))) first ??= e;
  await t.throwsAsync(async () => {
    for await (const _ of first!.body()) void _;
  }, { message: /after moving to the next entry/ });
});

test('a header with a wrong checksum is refused with its offset', async (t) => {
  const tar = Buffer.concat([...entryBlocks({ path: 'a', data: 'A' }), headerBlock({ path: 'b', type: '0', size: 0 }, true), Buffer.alloc(1024)]);
  await t.throwsAsync(readAll(tar), { instanceOf: ImageError, message: 'test.tar is not a valid tar archive: bad header checksum at byte 1024; check the file is a complete docker-archive or oci-archive' });
});

test('random bytes are not a tar archive', async (t) => {
  await t.throwsAsync(readAll(Buffer.alloc(2048, 0x5a)), { instanceOf: ImageError, message: /bad header checksum at byte 0/ });
});

test('an absurd size (base-256 beyond 2^53) is refused', async (t) => {
  const h = headerBlock({ path: 'huge', type: '0', size: 0 });
  h.fill(0xff, 124, 136);
  h[124] = 0x80;
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of h) sum += x;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  await t.throwsAsync(readAll(Buffer.concat([h, Buffer.alloc(1024)])), { instanceOf: ImageError, message: /absurd entry size at byte 0/ });
});

test('base-256 sizes within range are read', (t) => {
  const f = Buffer.alloc(12);
  f[0] = 0x80;
  f.writeUInt32BE(0x12345678, 8);
  t.is(parseNumeric(f), 0x12345678);
  t.is(parseNumeric(Buffer.from('0000001750 \0')), 0o1750);
  t.is(parseNumeric(Buffer.from('12x4\0')), undefined);
});

test('a huge GNU long-name header is refused before it is buffered', async (t) => {
  const tar = Buffer.concat([headerBlock({ path: '././@LongLink', type: 'L', size: 50 << 20, gnu: true }), Buffer.alloc(1024)]);
  await t.throwsAsync(readAll(tar), { instanceOf: ImageError, message: /52428800-byte extended header at byte 0 exceeds the 1048576-byte limit/ });
});

test('an archive cut inside an entry is reported as truncated', async (t) => {
  const tar = makeTar([{ path: 'a', data: 'A'.repeat(2000) }]).subarray(0, 1200);
  await t.throwsAsync(readAll(tar), { instanceOf: ImageError, message: /test.tar is truncated: the archive ends inside an entry/ });
});

test('a malformed pax record is refused', async (t) => {
  const rec = Buffer.from('99 path=x\n');
  const tar = Buffer.concat([headerBlock({ path: 'x', type: 'x', size: rec.length }), rec, Buffer.alloc(512 - rec.length), Buffer.alloc(1024)]);
  await t.throwsAsync(readAll(tar), { instanceOf: ImageError, message: /malformed pax extended header record/ });
});

for (const format of ['gnu', 'posix'] as const) {
  test(`archives written by GNU tar --format=${format} read back with long names and links`, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'tar-reader-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const src = join(dir, 'src');
    await mkdir(join(src, longDir), { recursive: true });
    await writeFile(join(src, longName), 'content');
    await symlink(longTarget, join(src, 'sym'));
    await run('tar', [`--format=${format}`, '-cf', join(dir, 'out.tar'), '-C', src, '.']);
    const entries = await readAll(await readFile(join(dir, 'out.tar')));
    t.deepEqual(entries.find((e) => e.path === `./${longName}`), { path: `./${longName}`, type: 'file', linkpath: '', data: 'content' });
    t.deepEqual(entries.find((e) => e.path === './sym'), { path: './sym', type: 'symlink', linkpath: longTarget, data: '' });
  });
}
