// rmtree removes what the unpacker made (files of subordinate ids, mode-000 directories,
// whiteouts) from inside the user namespace, never following a symlink out of the tree.
import test from 'ava';
import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostileCorpus } from '../../fixtures/hostile/corpus.js';
import { tarArchive } from '../../fixtures/hostile/tar-writer.js';
import { needs } from '../../helpers/facility.js';
import { errorOf, hostUid, makeSandbox, rmtree, runMonitor, mapArgs, unpack } from './harness.js';

const native = needs(test, ['monitor', 'unprivileged', 'userns', 'subids', 'newidmap'], 'runs rmtree in a user namespace');

native('rmtree removes an unpacked tree of subordinate-owned, unreadable and special files', (t) => {
  const s = makeSandbox(t);
  const r = unpack(
    s.dest,
    tarArchive([
      { name: 'etc', type: '5', uid: 1000, gid: 1000, mode: 0o700 },
      { name: 'etc/owned', data: 'x', uid: 1000, gid: 1000, mode: 0o000 },
      { name: 'work', type: '5', mode: 0o755 },
      { name: 'work/work', type: '5', mode: 0o000 },
      { name: 'work/work/inside', data: 'x', mode: 0o000 },
      { name: 'gone/.wh.file', data: '' },
      { name: 'fifo', type: '6' },
      { name: 'out', type: '2', linkname: s.outside },
      { name: 'victim-link', type: '2', linkname: join(s.outside, 'victim') },
    ]),
  );
  t.is(r.status, 0, JSON.stringify(r.last));
  t.is(lstatSync(join(s.dest, 'etc')).uid, hostUid(1000), 'the tree really is subordinate-owned (and unreadable to us)');
  const removed = rmtree(s.dest);
  t.is(removed.status, 0, JSON.stringify(removed.last));
  t.deepEqual(removed.last, { type: 'removed', paths: [s.dest] });
  t.false(existsSync(s.dest));
  t.is(readFileSync(join(s.outside, 'victim'), 'utf8'), 'original', 'symlinks out were removed, not followed');
});

native('rmtree removes whatever the hostile corpus left behind', (t) => {
  const s = makeSandbox(t);
  for (const c of hostileCorpus(s)) {
    const dest = join(s.base, `dest-${c.name}`);
    mkdirSync(dest);
    unpack(dest, c.tar);
    const r = rmtree(dest);
    t.is(r.status, 0, `${c.name}: ${JSON.stringify(r.last)}`);
    t.false(existsSync(dest), c.name);
  }
  t.is(readFileSync(join(s.outside, 'victim'), 'utf8'), 'original');
});

native('rmtree of missing paths succeeds and lists them', (t) => {
  const s = makeSandbox(t);
  const r = rmtree(join(s.base, 'nope'), join(s.base, 'no/such/parent'));
  t.is(r.status, 0);
  t.deepEqual(r.last, { type: 'removed', paths: [join(s.base, 'nope'), join(s.base, 'no/such/parent')] });
});

native('rmtree of a symlink removes the link, not its target', (t) => {
  const s = makeSandbox(t);
  const link = join(s.base, 'link');
  symlinkSync(s.outside, link);
  t.is(rmtree(link).status, 0);
  t.false(existsSync(link));
  t.is(readFileSync(join(s.outside, 'victim'), 'utf8'), 'original');
});

native('rmtree handles trees deeper than PATH_MAX', (t) => {
  const s = makeSandbox(t);
  const deep = join(s.base, 'deep');
  mkdirSync(deep);
  // 2500 levels of "d/": 5000 bytes of path, beyond what any path-based remover can name.
  // Built with relative chdir (synchronously, so no other test sees the changed cwd).
  const cwd = process.cwd();
  try {
    process.chdir(deep);
    for (let i = 0; i < 2500; i++) {
      mkdirSync('d');
      process.chdir('d');
    }
    writeFileSync('leaf', 'x');
  } finally {
    process.chdir(cwd);
  }
  const r = rmtree(deep);
  t.is(r.status, 0, JSON.stringify(r.last));
  t.false(existsSync(deep));
});

native('rmtree refuses relative paths and the root', (t) => {
  for (const bad of ['relative/path', '/', '/tmp/..']) {
    const r = runMonitor(['rmtree', ...mapArgs(), bad]);
    t.is(r.status, 1, bad);
    t.is(errorOf(r)?.step, 'rmtree');
  }
});

native('rmtree and unpack refuse a missing map with a usage error', (t) => {
  for (const mode of ['rmtree', 'unpack']) {
    const r = runMonitor([mode, '/tmp/x']);
    t.is(r.status, 1);
    t.regex(errorOf(r)?.message ?? '', /needs both --uidmap and --gidmap/);
  }
});
