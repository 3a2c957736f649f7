// The unpacker on archives written by the system's GNU tar (and, for what tar cannot make
// unprivileged, by the test writer): every kind of entry, owners through the id map, modes
// with setuid kept, times, xattrs, whiteouts and opaque directories in overlay's form, sparse
// files in every GNU format, long names.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, readlinkSync, statSync, symlinkSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { tarArchive } from '../../fixtures/hostile/tar-writer.js';
import { needs } from '../../helpers/facility.js';
import { errorOf, hostGid, hostUid, makeSandbox, unpack, type Sandbox } from './harness.js';

const native = needs(test, ['monitor', 'unprivileged', 'userns', 'subids', 'newidmap'], 'runs the unpacker in a user namespace');

function tar(t: { fail: (m: string) => void }, args: string[]): void {
  const r = spawnSync('tar', args, { encoding: 'utf8' });
  if (r.status !== 0) t.fail(`tar ${args.join(' ')}: ${r.stderr}`);
}

/** Unpacks the archive file at `path` into s.dest, asserting success. */
function unpackFile(t: Parameters<Parameters<typeof native>[1]>[0], s: Sandbox, path: string) {
  const fd = openSync(path, 'r');
  try {
    const r = unpack(s.dest, fd);
    t.is(r.status, 0, JSON.stringify(r.last));
    return r;
  } finally {
    closeSync(fd);
  }
}

/** The xattrs GNU tar sees on a file, as "name=value" (tar --xattrs reads them for us). */
function xattrsOf(dir: string, name: string): string[] {
  const r = spawnSync('tar', ['--xattrs', '--xattrs-include=*', '--format=posix', '-cf', '-', '-C', dir, name]);
  const text = r.stdout.toString('latin1');
  return [...text.matchAll(/\d+ SCHILY\.xattr\.([^=]+)=([^\n]*)\n/g)].map((m) => `${m[1]}=${m[2]}`);
}

native('a tree made by GNU tar unpacks with its kinds, modes, setuid bits, owners and times', (t) => {
  const s = makeSandbox(t);
  const src = join(s.base, 'src');
  mkdirSync(join(src, 'dir/sub'), { recursive: true });
  writeFileSync(join(src, 'file'), 'hello\n');
  writeFileSync(join(src, 'dir/sub/deep'), 'deep\n');
  writeFileSync(join(src, 'suid'), '#!/bin/sh\n');
  chmodSync(join(src, 'suid'), 0o4755);
  writeFileSync(join(src, 'sgid'), 'x');
  chmodSync(join(src, 'sgid'), 0o2711);
  writeFileSync(join(src, 'private'), 'secret');
  chmodSync(join(src, 'private'), 0o600);
  symlinkSync('dir/sub/deep', join(src, 'link'));
  symlinkSync('/nowhere/at/all', join(src, 'dangling'));
  linkSync(join(src, 'file'), join(src, 'hard'));
  spawnSync('mkfifo', [join(src, 'fifo')]);
  chmodSync(join(src, 'dir'), 0o1777);
  mkdirSync(join(src, 'locked'));
  writeFileSync(join(src, 'locked/inside'), 'in');
  utimesSync(join(src, 'file'), 1_000_000_000, 1_000_000_000);
  utimesSync(join(src, 'dir/sub'), 1_100_000_000, 1_100_000_000);
  writeFileSync(join(src, 'owned1000'), 'mine');
  const archive = join(s.base, 'tree.tar');
  tar(t, ['-cf', archive, '--owner=root:0', '--group=root:0', '-C', src, '--exclude=owned1000', '--exclude=locked', '.']);
  tar(t, ['-rf', archive, '--owner=user:1000', '--group=user:1000', '-C', src, 'owned1000']);
  // A mode-000 directory (which tar run by us cannot read), then a file created inside it.
  tar(t, ['-rf', archive, '--no-recursion', '--mode=0', '-C', src, 'locked']);
  tar(t, ['-rf', archive, '-C', src, 'locked/inside']);

  const r = unpackFile(t, s, archive);
  t.like(r.last, { type: 'unpacked', skipped: [] });
  const d = s.dest;
  t.is(readFileSync(join(d, 'file'), 'utf8'), 'hello\n');
  t.is(readFileSync(join(d, 'dir/sub/deep'), 'utf8'), 'deep\n');
  t.is(statSync(join(d, 'suid')).mode & 0o7777, 0o4755, 'setuid survives the chown');
  t.is(statSync(join(d, 'sgid')).mode & 0o7777, 0o2711, 'setgid survives the chown');
  t.is(statSync(join(d, 'private')).mode & 0o7777, 0o600);
  t.is(statSync(join(d, 'dir')).mode & 0o7777, 0o1777, 'sticky directory');
  t.is(lstatSync(join(d, 'locked')).mode & 0o7777, 0o000, 'a mode-000 directory keeps its contents and its mode');
  t.is(readlinkSync(join(d, 'link')), 'dir/sub/deep');
  t.is(readlinkSync(join(d, 'dangling')), '/nowhere/at/all');
  t.is(statSync(join(d, 'hard')).ino, statSync(join(d, 'file')).ino, 'hardlink shares the inode');
  t.true(lstatSync(join(d, 'fifo')).isFIFO());
  t.is(statSync(join(d, 'file')).mtimeMs, 1_000_000_000_000);
  t.is(statSync(join(d, 'dir/sub')).mtimeMs, 1_100_000_000_000, "a directory's mtime is set after its contents");
  // Container uid 0 is the caller; container uid 1000 is the 1000th subordinate id.
  t.is(lstatSync(join(d, 'file')).uid, process.getuid!());
  t.is(lstatSync(join(d, 'link')).uid, process.getuid!(), 'symlinks are chowned too');
  t.is(lstatSync(join(d, 'owned1000')).uid, hostUid(1000));
  t.is(lstatSync(join(d, 'owned1000')).gid, hostGid(1000));
});

native('whiteouts and opaque directories become the overlay on-disk form', (t) => {
  const s = makeSandbox(t);
  const src = join(s.base, 'src');
  mkdirSync(join(src, 'etc/opaque'), { recursive: true });
  writeFileSync(join(src, 'etc/.wh.removed'), '');
  writeFileSync(join(src, 'etc/opaque/.wh..wh..opq'), '');
  writeFileSync(join(src, 'etc/opaque/kept'), 'k');
  writeFileSync(join(src, '.wh.toplevel'), '');
  const archive = join(s.base, 'wh.tar');
  tar(t, ['-cf', archive, '-C', src, '.']);
  unpackFile(t, s, archive);
  for (const w of ['etc/removed', 'toplevel']) {
    const st = lstatSync(join(s.dest, w));
    t.true(st.isCharacterDevice() && st.rdev === 0, `${w} is a 0:0 character device`);
  }
  t.throws(() => lstatSync(join(s.dest, 'etc/.wh.removed')), { code: 'ENOENT' }, 'the .wh. name itself is not created');
  t.throws(() => lstatSync(join(s.dest, 'etc/opaque/.wh..wh..opq')), { code: 'ENOENT' });
  t.deepEqual(xattrsOf(s.dest, 'etc/opaque'), ['user.overlay.opaque=y']);
  t.is(readFileSync(join(s.dest, 'etc/opaque/kept'), 'utf8'), 'k');
});

native('xattrs: user.* and security.capability are set, trusted.* skipped with a notice', (t) => {
  const s = makeSandbox(t);
  // CAP_NET_RAW permitted+effective, VFS_CAP_REVISION_2.
  const cap = Buffer.alloc(20);
  cap.writeUInt32LE(0x02000001, 0);
  cap.writeUInt32LE(1 << 13, 4);
  const archive = tarArchive([
    { name: 'ping', mode: 0o755, data: 'bin', pax: { 'SCHILY.xattr.user.mime': 'text/plain', 'SCHILY.xattr.security.capability': cap, 'SCHILY.xattr.trusted.secret': 'x' } },
    { name: 'dir', type: '5', pax: { 'SCHILY.xattr.user.note': 'on a dir' } },
  ]);
  const r = unpack(s.dest, archive);
  t.is(r.status, 0, JSON.stringify(r.last));
  t.like(r.last, { type: 'unpacked', entries: 2, skipped: [{ path: 'ping', reason: 'xattr trusted.secret: trusted.* needs real root' }] });
  const attrs = xattrsOf(s.dest, 'ping');
  t.true(attrs.includes('user.mime=text/plain'), attrs.join(', '));
  t.true(attrs.some((a) => a.startsWith('security.capability=')), 'file capability kept (after chown, which clears it)');
  t.deepEqual(xattrsOf(s.dest, 'dir'), ['user.note=on a dir']);
});

for (const [format, extra] of [
  ['gnu', ['--format=gnu']],
  ['posix 0.0', ['--format=posix', '--sparse-version=0.0']],
  ['posix 0.1', ['--format=posix', '--sparse-version=0.1']],
  ['posix 1.0', ['--format=posix', '--sparse-version=1.0']],
] as const) {
  native(`sparse files (${format}) keep their content and their holes`, (t) => {
    const s = makeSandbox(t);
    const src = join(s.base, 'src');
    mkdirSync(src);
    const path = join(src, 'sparse');
    const fd = openSync(path, 'w');
    writeSync(fd, 'start');
    writeSync(fd, 'middle', 40 << 20);
    writeSync(fd, 'end', (100 << 20) - 3);
    closeSync(fd);
    writeFileSync(join(src, 'holey-end'), '');
    spawnSync('truncate', ['-s', '8M', join(src, 'holey-end')]);
    // 40 runs: more than the old GNU header holds, so its map continues in extension blocks.
    const many = join(src, 'many');
    const mfd = openSync(many, 'w');
    for (let i = 0; i < 40; i++) writeSync(mfd, `run ${i}`, i * (1 << 20));
    closeSync(mfd);
    const archive = join(s.base, 'sparse.tar');
    tar(t, ['-cf', archive, '--sparse', ...extra, '-C', src, 'sparse', 'holey-end', 'many']);
    t.true(statSync(archive).size < 1 << 20, 'tar stored the file sparsely');
    unpackFile(t, s, archive);
    const out = join(s.dest, 'sparse');
    t.is(statSync(out).size, 100 << 20);
    t.true(statSync(out).blocks * 512 < 1 << 20, 'holes stay holes');
    const content = readFileSync(out);
    t.true(content.equals(readFileSync(path)));
    t.is(statSync(join(s.dest, 'holey-end')).size, 8 << 20, 'a file that is all hole');
    t.true(readFileSync(join(s.dest, 'many')).equals(readFileSync(many)), 'a sparse map of 40 runs');
  });
}

for (const format of ['gnu', 'posix', 'ustar'] as const) {
  native(`long names and long symlink targets (${format} format)`, (t) => {
    const s = makeSandbox(t);
    const src = join(s.base, 'src');
    // ustar can only split a long name into a 155-byte prefix and a 100-byte name.
    const depth = format === 'ustar' ? 3 : 6;
    const longDir = join(...Array.from({ length: depth }, (_, i) => `directory-number-${i}-with-a-long-name`));
    mkdirSync(join(src, longDir), { recursive: true });
    const name = join(longDir, 'a-file-whose-name-is-long-too.txt');
    writeFileSync(join(src, name), 'long');
    const target = format === 'ustar' ? 'short-target' : `../${'x'.repeat(150)}`;
    symlinkSync(target, join(src, 'link'));
    const archive = join(s.base, 'long.tar');
    tar(t, ['-cf', archive, `--format=${format}`, '-C', src, '.']);
    unpackFile(t, s, archive);
    t.is(readFileSync(join(s.dest, name), 'utf8'), 'long');
    t.is(readlinkSync(join(s.dest, 'link')), target);
  });
}

native('an owner outside the mapped range is an error naming the file, the id and the fix', (t) => {
  const s = makeSandbox(t);
  const archive = tarArchive([
    { name: 'etc', type: '5' },
    { name: 'etc/shadow', data: 'x', pax: { uid: '70000000' } },
  ]);
  const r = unpack(s.dest, archive);
  t.is(r.status, 1);
  t.regex(errorOf(r)?.message ?? '', /'etc\/shadow' is owned by uid 70000000, outside the uids mapped .*\/etc\/subuid/);
});

native('a large file streams through intact', (t) => {
  const s = makeSandbox(t);
  const data = Buffer.alloc(24 << 20);
  for (let i = 0; i < data.length; i += 4096) data.writeUInt32LE(i, i);
  const r = unpack(s.dest, tarArchive([{ name: 'big', data }]));
  t.is(r.status, 0, JSON.stringify(r.last));
  t.true(readFileSync(join(s.dest, 'big')).equals(data));
});

native('a directory entry for the root sets the layer root mode and missing parents are made 0755', (t) => {
  const s = makeSandbox(t);
  const r = unpack(s.dest, tarArchive([
    { name: './', type: '5', mode: 0o750 },
    { name: 'a/b/c', data: 'c' },
  ]));
  t.is(r.status, 0, JSON.stringify(r.last));
  t.is(statSync(s.dest).mode & 0o777, 0o750);
  t.is(statSync(join(s.dest, 'a/b')).mode & 0o777, 0o755);
  t.is(readFileSync(join(s.dest, 'a/b/c'), 'utf8'), 'c');
});

native('the kernel overlay reads the whiteouts and opaque directories as deletions', (t) => {
  const s = makeSandbox(t);
  const lower = join(s.base, 'lower');
  const upper = join(s.base, 'upper');
  for (const d of [lower, upper]) mkdirSync(d);
  t.is(unpack(lower, tarArchive([
    { name: 'etc', type: '5' },
    { name: 'etc/removed', data: 'r' },
    { name: 'etc/kept', data: 'k' },
    { name: 'etc/opaque', type: '5' },
    { name: 'etc/opaque/old', data: 'o' },
  ])).status, 0);
  t.is(unpack(upper, tarArchive([
    { name: 'etc', type: '5' },
    { name: 'etc/.wh.removed' },
    { name: 'etc/opaque', type: '5' },
    { name: 'etc/opaque/.wh..wh..opq' },
    { name: 'etc/opaque/new', data: 'n' },
  ])).status, 0);
  // Both layers belong to container uid 0, which is us: a single-id namespace can mount them.
  const script = 'mkdir -p "$1/w" "$1/u" "$1/m" && mount -t overlay overlay -o "lowerdir=$2:$3,upperdir=$1/u,workdir=$1/w,userxattr" "$1/m" && cd "$1/m" && find . | sort';
  const r = spawnSync('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c', script, 'sh', join(s.base, 'ovl'), upper, lower], { encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  t.deepEqual(r.stdout.trim().split('\n'), ['.', './etc', './etc/kept', './etc/opaque', './etc/opaque/new']);
});
