// `sandbox-monitor vfs-copy`, the vfs driver's rootfs builder, on layers made by the real
// unpacker: layers applied bottom first (whiteouts delete, opaque directories clear), every
// kind of entry, owners through the id map, setuid bits, times, xattrs and hardlinks kept,
// overlay's own marks dropped, and an image symlink to a host path never followed.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, statSync, writeSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tarArchive } from '../../fixtures/hostile/tar-writer.js';
import { needs } from '../../helpers/facility.js';
import { errorOf, hostUid, makeSandbox, mapArgs, runMonitor, unpack } from './harness.js';

const native = needs(test, ['monitor', 'unprivileged', 'userns', 'subids', 'newidmap'], 'runs vfs-copy in a user namespace');

function xattrsOf(dir: string, name: string): string[] {
  const r = spawnSync('tar', ['--xattrs', '--xattrs-include=*', '--format=posix', '--no-recursion', '-cf', '-', '-C', dir, name]);
  const text = r.stdout.toString('latin1');
  return [...text.matchAll(/\d+ SCHILY\.xattr\.([^=]+)=([^\n]*)\n/g)].map((m) => `${m[1]}=${m[2]}`);
}

/** CAP_NET_RAW permitted+effective, VFS_CAP_REVISION_2 (as a real ping carries it). */
function netRawCap(): Buffer {
  const cap = Buffer.alloc(20);
  cap.writeUInt32LE(0x02000001, 0);
  cap.writeUInt32LE(1 << 13, 4);
  return cap;
}

function tree(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? [relative(root, p), ...tree(root, p)] : [relative(root, p)];
  });
}

native('two layers copy into what the overlay drivers show, owners, modes, times and links kept', (t) => {
  const s = makeSandbox(t);
  const lower = join(s.base, 'l1');
  const upper = join(s.base, 'l2');
  const copy = join(s.base, 'copy');
  for (const d of [lower, upper, copy]) mkdirSync(d);
  t.is(unpack(lower, tarArchive([
    { name: 'etc', type: '5', mode: 0o755 },
    { name: 'etc/removed', data: 'r' },
    { name: 'etc/kept', data: 'k' },
    { name: 'etc/opaque', type: '5' },
    { name: 'etc/opaque/old', data: 'o' },
    // An absolute symlink to a host directory: a later layer's entries below the same name
    // must replace it, never land in the host directory.
    { name: 'esc', type: '2', linkname: s.outside },
    { name: 'esc2', type: '2', linkname: s.outside },
    { name: 'owned', data: 'x', uid: 1000, gid: 1000, mode: 0o4755, mtime: 1_000_000_000 },
    { name: 'hl1', data: 'h' },
    { name: 'hl2', type: '1', linkname: 'hl1' },
    { name: 'fifo', type: '6' },
    { name: 'd', type: '5', mode: 0o700, mtime: 1_100_000_000 },
    { name: 'd/f', data: 'f' },
    { name: 'noted', data: 'n', pax: { 'SCHILY.xattr.user.note': 'kept' } },
    { name: 'ping', mode: 0o4755, data: 'bin', pax: { 'SCHILY.xattr.security.capability': netRawCap() } },
    { name: 'rel', type: '2', linkname: '../../../../etc' },
  ])).status, 0);
  t.is(unpack(upper, tarArchive([
    { name: 'etc', type: '5', mode: 0o750, uid: 1000 },
    { name: 'etc/.wh.removed' },
    { name: 'etc/opaque', type: '5' },
    { name: 'etc/opaque/.wh..wh..opq' },
    { name: 'etc/opaque/new', data: 'n' },
    { name: 'esc', type: '5' },
    { name: 'esc/planted', data: 'p' },
    { name: 'esc2', type: '5' },
    { name: 'esc2/.wh.victim' },
    { name: '.wh.fifo' },
  ])).status, 0);

  const r = runMonitor(['vfs-copy', ...mapArgs(), copy, lower, upper]);
  t.is(r.status, 0, JSON.stringify(r.last) + r.stderr);
  t.is(r.last?.type, 'unpacked');

  t.deepEqual(tree(copy).sort(), ['d', 'd/f', 'esc', 'esc/planted', 'esc2', 'etc', 'etc/kept', 'etc/opaque', 'etc/opaque/new', 'hl1', 'hl2', 'noted', 'owned', 'ping', 'rel'].sort());
  // The host directory the image's symlinks named is untouched.
  t.deepEqual(readdirSync(s.outside), ['victim']);
  t.is(readFileSync(join(s.outside, 'victim'), 'utf8'), 'original');

  const owned = lstatSync(join(copy, 'owned'));
  t.is(owned.uid, hostUid(1000), 'image uid 1000 lands on the same host id as in the layer');
  t.is(owned.mode & 0o7777, 0o4755, 'setuid survives the chown');
  t.is(owned.mtimeMs, 1_000_000_000_000);
  t.is(lstatSync(join(copy, 'etc')).mode & 0o7777, 0o750, "a directory in both layers has the top one's mode");
  t.is(lstatSync(join(copy, 'etc')).uid, hostUid(1000), "and the top one's owner");
  t.is(statSync(join(copy, 'd')).mode & 0o7777, 0o700);
  t.is(statSync(join(copy, 'd')).mtimeMs, 1_100_000_000_000, 'directory times are set after their contents');
  t.is(statSync(join(copy, 'hl1')).ino, statSync(join(copy, 'hl2')).ino, 'hardlinks stay one file');
  t.not(statSync(join(copy, 'hl1')).ino, statSync(join(lower, 'hl1')).ino, 'a copy, not a link into the layer');
  t.is(readlinkSync(join(copy, 'rel')), '../../../../etc');
  t.deepEqual(xattrsOf(copy, 'noted'), ['user.note=kept']);
  t.true(xattrsOf(copy, 'ping').some((a) => a.startsWith('security.capability=')), 'file capability kept (set after the chown that clears it)');
  t.is(statSync(join(copy, 'ping')).mode & 0o7777, 0o4755, 'and the setuid bit with it');
  t.deepEqual(xattrsOf(copy, 'etc/opaque'), [], "overlay's opaque mark is not copied");
  t.is(readFileSync(join(copy, 'esc/planted'), 'utf8'), 'p');
});

native('a sparse file stays sparse and its data lands at the same offsets', (t) => {
  const s = makeSandbox(t);
  // A layer made by hand (owned by us, the namespace's root): holes, data in the middle, a hole at the end.
  const layer = join(s.base, 'layer');
  const copy = join(s.base, 'copy');
  mkdirSync(layer);
  mkdirSync(copy);
  const fd = openSync(join(layer, 'lastlog'), 'w');
  writeSync(fd, 'middle', 0, 'utf8');
  writeSync(fd, 'middle', 512 << 20, 'utf8');
  ftruncateSync(fd, 1 << 30);
  closeSync(fd);
  const r = runMonitor(['vfs-copy', ...mapArgs(), copy, layer]);
  t.is(r.status, 0, JSON.stringify(r.last));
  const st = statSync(join(copy, 'lastlog'));
  t.is(st.size, 1 << 30);
  t.true(st.blocks * 512 < 16 << 20, `the copy is sparse (${st.blocks} blocks)`);
  const got = Buffer.alloc(6);
  const rd = openSync(join(copy, 'lastlog'), 'r');
  readSync(rd, got, 0, 6, 512 << 20);
  closeSync(rd);
  t.is(got.toString(), 'middle');
});

native('relative paths and a missing layer are refused with a message', (t) => {
  const s = makeSandbox(t);
  t.regex(errorOf(runMonitor(['vfs-copy', ...mapArgs(), 'rel', s.dest]))?.message ?? '', /absolute paths/);
  const r = runMonitor(['vfs-copy', ...mapArgs(), s.dest, join(s.base, 'nolayer')]);
  t.is(r.status, 1);
  t.regex(errorOf(r)?.message ?? '', /opening layer .*nolayer: No such file or directory/);
});
