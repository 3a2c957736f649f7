// The unpacker as `sandbox pull` drives it: the verdict carries the sha256 and length of every
// byte it read (the CLI checks them against the diff id), and a layer of many files in many
// directories comes out exactly as GNU tar extracts it.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tarArchive } from '../../fixtures/hostile/tar-writer.js';
import { needs } from '../../helpers/facility.js';
import { errorOf, hostGid, hostUid, makeSandbox, unpack } from './harness.js';

const native = needs(test, ['monitor', 'unprivileged', 'userns', 'subids', 'newidmap'], 'runs the unpacker in a user namespace');

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

native('the verdict gives the digest and size of every byte read, bytes after the end marker included', (t) => {
  const s = makeSandbox(t);
  const archive = tarArchive([
    { name: 'a', data: 'alpha\n' },
    { name: 'dir/', type: '5' },
    { name: 'dir/b', data: Buffer.alloc(70_000, 0x62) },
  ]);
  // What some writers leave after the two zero blocks: more zeros and junk. It is part of the
  // layer blob, so it is part of the diff id.
  const input = Buffer.concat([archive, Buffer.alloc(10_240), Buffer.from('trailing junk')]);
  const r = unpack(s.dest, input);
  t.is(r.status, 0, JSON.stringify(r.last));
  t.like(r.last as object, { type: 'unpacked', entries: 3, digest: sha256(input), size: input.length });
  t.is(readFileSync(join(s.dest, 'dir/b')).length, 70_000);
});

native('a refused archive reports the refusal, not a digest', (t) => {
  const s = makeSandbox(t);
  const r = unpack(s.dest, tarArchive([{ name: '../escape', data: 'x' }]));
  t.is(r.status, 1);
  t.regex(errorOf(r)?.message ?? '', /'\.\.' component/);
  t.false('digest' in (r.last as object));
});

/** One line per path: kind, mode, owner, size, content hash or link target, mtime, link count. */
function listing(root: string, owner: (uid: number, gid: number) => string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const p = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(root, p));
      const mode = (st.mode & 0o7777).toString(8);
      const who = owner(st.uid, st.gid);
      if (st.isSymbolicLink()) out.push(`${p} l ${who} -> ${readlinkSync(join(root, p))}`);
      else if (st.isDirectory()) {
        out.push(`${p} d ${mode} ${who} ${st.mtimeMs}`);
        walk(p);
      } else out.push(`${p} f ${mode} ${who} ${st.size} ${sha256(readFileSync(join(root, p)))} ${st.mtimeMs} links=${st.nlink}`);
    }
  };
  walk('');
  return out;
}

native('a layer of many files in many directories unpacks exactly as GNU tar extracts it', (t) => {
  const s = makeSandbox(t);
  const src = join(s.base, 'src');
  // 3 levels of directories, files of sizes around the 512-byte block, links of both kinds,
  // setuid and other modes (all readable, so the test user can hash what the unpacker made).
  const sizes = [0, 1, 511, 512, 513, 4096, 70_001];
  const modes = [0o644, 0o755, 0o444, 0o4755, 0o2755, 0o664];
  let n = 0;
  for (let a = 0; a < 6; a++) {
    for (let b = 0; b < 5; b++) {
      const dir = join(src, `top${a}`, `mid${b}`);
      mkdirSync(join(dir, 'leaf'), { recursive: true });
      for (let f = 0; f < 12; f++) {
        const file = join(dir, f % 3 === 0 ? `leaf/file${f}` : `file${f}`);
        const size = sizes[n % sizes.length]!;
        writeFileSync(file, Buffer.alloc(size, `${a}.${b}.${f}:`));
        chmodSync(file, modes[n % modes.length]!);
        utimesSync(file, 1_500_000_000 + n, 1_500_000_000 + n);
        n++;
      }
      symlinkSync('file1', join(dir, 'rel-link'));
      symlinkSync(`/top${a}/mid${b}/file2`, join(dir, 'abs-link'));
      linkSync(join(dir, 'file4'), join(dir, 'leaf', 'hard4'));
      chmodSync(join(dir, 'leaf'), b % 2 ? 0o775 : 0o1777);
      utimesSync(join(dir, 'leaf'), 1_400_000_000 + a * 10 + b, 1_400_000_000 + a * 10 + b);
      utimesSync(dir, 1_300_000_000 + a * 10 + b, 1_300_000_000 + a * 10 + b);
    }
  }
  const archive = join(s.base, 'layer.tar');
  const made = spawnSync('tar', ['--numeric-owner', '--format=posix', '-cf', archive, '-C', src, '.'], { encoding: 'utf8' });
  t.is(made.status, 0, made.stderr);
  const gnu = join(s.base, 'gnu');
  mkdirSync(gnu);
  const extracted = spawnSync('tar', ['-xpf', archive, '-C', gnu], { encoding: 'utf8' });
  t.is(extracted.status, 0, extracted.stderr);

  const r = unpack(s.dest, readFileSync(archive));
  t.is(r.status, 0, JSON.stringify(r.last));
  t.like(r.last as object, { digest: sha256(readFileSync(archive)) });
  // GNU tar as this user keeps its own uid; the unpacker gives the archive's uid (this user's,
  // as a container id) through the map.
  const me = process.getuid!();
  const mine = process.getgid!();
  const ours = listing(s.dest, (u, g) => (u === hostUid(me) && g === hostGid(mine) ? 'owner-ok' : `${u}:${g}`));
  const theirs = listing(gnu, (u, g) => (u === me && g === mine ? 'owner-ok' : `${u}:${g}`));
  t.true(ours.length > 400, `${ours.length} entries`);
  t.deepEqual(ours, theirs);
});
