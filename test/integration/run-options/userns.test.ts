// Issue 4 item 7, --userns=keep-id (podman's): inside you are your own uid and gid, files you
// make in a bind are yours on the host, the image still shows its own owners, and the image
// is not copied for it on the FUSE overlay (which remaps owners on the fly).
import test from 'ava';
import { lstatSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { runSandbox } from '../../helpers/cli.js';
import { useBusyboxHome } from '../../helpers/busybox-home.js';
import { needs } from '../../helpers/facility.js';

const it = needs(test, ['fixtures', 'cli', 'monitor', 'subids', 'newidmap', 'userns', 'fuse', 'unprivileged'], 'runs keep-id containers on the FUSE overlay');

const home = useBusyboxHome(test);

const sandbox = (...args: string[]) => runSandbox(args, { env: home.env });
const uid = process.getuid!();
const gid = process.getgid!();

it('inside, id shows your own uid and gid, and your name resolves (the image has no such user)', async (t) => {
  const r = await sandbox('run', '--rm', '--userns=keep-id', 'lab/busybox', 'sh', '-c', 'id -u; id -g; id -un');
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, `${uid}\n${gid}\n${userInfo().username}\n`);
});

it('a file made in a bind mount is yours on the host', async (t) => {
  const dir = join(home.root, 'tmp', 'bind');
  mkdirSync(dir);
  const r = await sandbox('run', '--rm', '--userns=keep-id', '-v', `${dir}:/data`, 'lab/busybox', 'sh', '-c', 'echo hi > /data/made; mkdir /data/sub');
  t.is(r.code, 0, r.stderr);
  t.like(statSync(join(dir, 'made')), { uid, gid });
  t.like(statSync(join(dir, 'sub')), { uid, gid });
});

it("the image's files keep their image owners; the container's root is still root", async (t) => {
  const r = await sandbox('run', '--rm', '--userns=keep-id', '-u', '0', 'lab/busybox', 'sh', '-c', 'stat -c "%u %g %n" /bin/busybox /home/owned-by-1000; id -u');
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, '0 0 /bin/busybox\n1000 1000 /home/owned-by-1000\n0\n');
});

/** Bytes and entries of the store outside containers and scratch: where a copy of the image would land. */
function storeSize(dataDir: string): { bytes: number; entries: number } {
  let bytes = 0;
  let entries = 0;
  const walk = (p: string) => {
    const st = lstatSync(p);
    entries++;
    bytes += st.isDirectory() ? 0 : st.size;
    if (!st.isDirectory()) return;
    let names: string[] = [];
    try {
      names = readdirSync(p);
    } catch {
      return;  // a 0700 directory of a subordinate id: the same before and after
    }
    for (const n of names) walk(join(p, n));
  };
  for (const n of readdirSync(dataDir)) if (!['containers', 'tmp', 'locks', 'seccomp', 'storage-probe.json'].includes(n)) walk(join(dataDir, n));
  return { bytes, entries };
}

it('no copy of the image is made: the store is the same size after keep-id runs', async (t) => {
  const before = storeSize(home.dataDir);
  t.is((await sandbox('run', '--rm', '--userns=keep-id', '--storage-driver', 'fuse-overlay', 'lab/busybox', 'true')).code, 0);
  const r = await sandbox('run', '--name', 'kept', '--userns=keep-id', '--storage-driver', 'fuse-overlay', 'lab/busybox', 'touch', '/tmp/new');
  t.is(r.code, 0, r.stderr);
  t.deepEqual(storeSize(home.dataDir), before);
  const [inspect] = JSON.parse((await sandbox('inspect', 'kept')).stdout);
  t.is(inspect.HostConfig.UsernsMode, 'keep-id');
  await sandbox('rm', 'kept');
});

it('bad --userns values get one line and exit 125', async (t) => {
  const bad = await sandbox('run', '--rm', '--userns=auto', 'lab/busybox', 'true');
  t.is(bad.code, 125);
  t.is(bad.stderr, 'sandbox: invalid value "auto" for --userns: supported are "" or host (the default rootless map) and keep-id[:uid=N,gid=N]\n');
});

it('keep-id:uid=,gid= choose the ids you appear as; --userns=host is the default map', async (t) => {
  const r = await sandbox('run', '--rm', '--userns=keep-id:uid=2000,gid=3000', 'lab/busybox', 'sh', '-c', 'id -u; id -g; cat /proc/self/uid_map | grep -c .');
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, '2000\n3000\n3\n');
  const host = await sandbox('run', '--rm', '--userns=host', 'lab/busybox', 'id', '-u');
  t.is(host.stdout, '0\n');
});
// Without a usable /dev/fuse (or with another driver asked for), keep-id copies the layers once
// with their owners shifted: keepid-copy.test.ts.
