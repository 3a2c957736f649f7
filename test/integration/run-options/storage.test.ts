// Issue 4, the filesystem side of `run`: binds, named and anonymous volumes (and the volume
// commands), tmpfs, /dev/shm sizes, --read-only; the reference's volume and bind examples.
import test from 'ava';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeSandboxHome, runSandbox } from '../../helpers/cli.js';
import { useBusyboxHome } from '../../helpers/busybox-home.js';
import { needs } from '../../helpers/facility.js';

const it = needs(test, ['fixtures', 'cli', 'monitor', 'subids', 'newidmap', 'userns', 'unprivileged'], 'runs real containers as an unprivileged user');

const home = useBusyboxHome(test);

const sandbox = (...args: string[]) => runSandbox(args, { env: home.env });
const token = () => `t${Math.random().toString(36).slice(2)}`;
const scratch = () => {
  const dir = join(home.root, 'tmp', token());
  mkdirSync(dir);
  return dir;
};

it("the reference's bind example: --mount type=bind,source=.,target=/foo writes into the caller's cwd", async (t) => {
  const cwd = scratch();
  const r = await runSandbox(['run', '--rm', '--mount', 'type=bind,source=.,target=/foo', 'lab/busybox', 'sh', '-c', 'echo "hello from container" > /foo/hello.txt'], { env: home.env, cwd });
  t.is(r.code, 0, r.stderr);
  t.is(readFileSync(join(cwd, 'hello.txt'), 'utf8'), 'hello from container\n');
  // Container root is the caller: the file is the caller's on the host.
  t.is(statSync(join(cwd, 'hello.txt')).uid, process.getuid!());
});

it('-v /host:/ctr:ro is read-only inside; a missing -v source is created', async (t) => {
  const dir = scratch();
  writeFileSync(join(dir, 'in.txt'), 'from host\n');
  const r = await sandbox('run', '--rm', '-v', `${dir}:/data:ro`, 'lab/busybox', 'sh', '-c', 'cat /data/in.txt; touch /data/x 2>/dev/null || echo refused');
  t.is(r.stdout, 'from host\nrefused\n');
  const missing = join(dir, 'made', 'by', 'run');
  t.is((await sandbox('run', '--rm', '-v', `${missing}:/m`, 'lab/busybox', 'true')).code, 0);
  t.true(statSync(missing).isDirectory());
});

it('a -v source that cannot be created: one line, exit 125, no container left', async (t) => {
  const locked = scratch();
  chmodSync(locked, 0o500);
  const name = token();
  const r = await sandbox('run', '--name', name, '-v', `${locked}/sub:/x`, 'lab/busybox', 'true');
  t.is(r.code, 125);
  t.is(r.stderr, `sandbox: error while creating mount source path '${locked}/sub': mkdir ${locked}/sub: permission denied\n`);
  t.is((await sandbox('rm', name)).stderr, `sandbox: No such container: ${name}\n`);
});

it('--mount type=bind with a missing source is refused', async (t) => {
  const r = await sandbox('run', '--rm', '--mount', 'type=bind,source=/no/such/dir,target=/x', 'lab/busybox', 'true');
  t.is(r.code, 125);
  t.is(r.stderr, 'sandbox: invalid mount config for type "bind": bind source path does not exist: /no/such/dir\n');
});

it("the reference's volume example: data written by one container is read by the next", async (t) => {
  const vol = `vol_${token()}`;
  const w = await sandbox('run', '--rm', '--mount', `source=${vol},target=/foo`, 'lab/busybox', 'sh', '-c', 'echo "hello, volume!" > /foo/hello.txt');
  t.is(w.code, 0, w.stderr);
  const r = await sandbox('run', '--rm', '--mount', `source=${vol},target=/bar`, 'lab/busybox', 'cat', '/bar/hello.txt');
  t.is(r.stdout, 'hello, volume!\n');
  t.is((await sandbox('volume', 'ls', '-q')).stdout.split('\n').filter((n) => n === vol).length, 1);
});

it("a new volume is seeded from the image's content at its target; volume-nocopy leaves it empty", async (t) => {
  const seeded = await sandbox('run', '--rm', '-v', `seed_${token()}:/etc`, 'lab/busybox', 'sh', '-c', 'grep -c "^root:" /etc/passwd');
  t.is(seeded.stdout, '1\n');
  const empty = await sandbox('run', '--rm', '--mount', `source=nocopy_${token()},target=/etc,volume-nocopy`, 'lab/busybox', 'ls', '-A', '/etc');
  t.is(empty.stdout, '');
});

it('-v /ctr makes an anonymous volume that --rm removes with the container', async (t) => {
  // Anonymous volumes get 64-hex names; only this test makes them (the others run concurrently).
  const anonymous = async () => (await sandbox('volume', 'ls', '-q')).stdout.split('\n').filter((n) => /^[0-9a-f]{64}$/.test(n));
  const before = await anonymous();
  const r = await sandbox('run', '--rm', '-v', '/scratch', 'lab/busybox', 'sh', '-c', 'echo x > /scratch/f && cat /scratch/f');
  t.is(r.stdout, 'x\n');
  t.deepEqual(await anonymous(), before);
});

it('volume create / ls / inspect / rm, with the name rule and in-use refusal', async (t) => {
  const name = `v${token()}`;
  t.deepEqual(await sandbox('volume', 'create', '--label', 'team=blue', name), { code: 0, signal: null, stdout: `${name}\n`, stderr: '', timedOut: false });
  const ls = await sandbox('volume', 'ls');
  t.true(ls.stdout.startsWith('DRIVER    VOLUME NAME\n'));
  t.true(ls.stdout.includes(`local     ${name}\n`));
  const [info] = JSON.parse((await sandbox('volume', 'inspect', name)).stdout) as { Name: string; Driver: string; Labels: Record<string, string>; Mountpoint: string }[];
  t.like(info, { Name: name, Driver: 'local', Labels: { team: 'blue' } });
  t.true(existsSync(info!.Mountpoint));
  t.is((await sandbox('volume', 'inspect', '--format', '{{.Name}}', name)).stdout, `${name}\n`);

  const bad = await sandbox('volume', 'create', '-x');
  t.is(bad.code, 125);
  const short = await sandbox('volume', 'create', 'a');
  t.is(short.stderr, 'sandbox: create a: volume name is too short, names should be at least two alphanumeric characters\n');
  t.is(short.code, 125);

  const cname = token();
  t.is((await sandbox('run', '--name', cname, '-v', `${name}:/v`, 'lab/busybox', 'true')).code, 0);
  const busy = await sandbox('volume', 'rm', name);
  t.is(busy.code, 125);
  t.regex(busy.stderr, new RegExp(`^sandbox: remove ${name}: volume is in use - \\[[0-9a-f]{64}\\]\\n$`));
  t.deepEqual((await sandbox('volume', 'rm', '-f', name)).stdout, `${name}\n`);
  t.false(existsSync(info!.Mountpoint));
  const gone = await sandbox('volume', 'rm', name);
  t.is(gone.stderr, `sandbox: get ${name}: no such volume\n`);
});

it('volume prune removes unused anonymous volumes; -a every unused one', async (t) => {
  // A home of its own: prune -a would take the other tests' volumes between their runs.
  const own = await makeSandboxHome(t);
  const vol = (...a: string[]) => runSandbox(['volume', ...a], { env: own.env });
  await vol('create', 'keepme');
  t.deepEqual((await vol('prune', '-f')).stdout, 'Total reclaimed space: 0B\n');
  t.is((await vol('ls', '-q')).stdout, 'keepme\n');
  t.is((await vol('prune', '-f', '-a')).stdout, 'Deleted Volumes:\nkeepme\n\nTotal reclaimed space: 0B\n');
  t.is((await vol('ls', '-q')).stdout, '');
});

it('--tmpfs and --mount type=tmpfs with size and mode; --shm-size sizes /dev/shm', async (t) => {
  const r = await sandbox('run', '--rm', '--tmpfs', '/t1:size=2m', '--mount', 'type=tmpfs,target=/t2,tmpfs-size=1m,tmpfs-mode=1770', '--shm-size', '128m', 'lab/busybox', 'sh', '-c', 'df -k /t1 /t2 /dev/shm | awk "NR>1 {print \\$2}"; stat -c %a /t2');
  t.is(r.stdout, '2048\n1024\n131072\n1770\n');
});

it('--shm-size accepts every unit form of the reference', async (t) => {
  for (const [size, kib] of [['1048576', '1024'], ['2048k', '2048'], ['3m', '3072'], ['1g', '1048576'], ['4194304b', '4096']] as const) {
    const r = await sandbox('run', '--rm', '--shm-size', size, 'lab/busybox', 'sh', '-c', 'df -k /dev/shm | awk "NR>1 {print \\$2}"');
    t.is(r.stdout, `${kib}\n`, size);
  }
});

it('--read-only: the root refuses writes, tmpfs and volumes still take them', async (t) => {
  const r = await sandbox('run', '--rm', '--read-only', '--tmpfs', '/run', '-v', `ro_${token()}:/data`, 'lab/busybox', 'sh', '-c', 'touch /x 2>&1; touch /run/ok /data/ok && echo writable');
  t.is(r.stdout, 'touch: /x: Read-only file system\nwritable\n');
  // A missing -w is still created (docker makes it before the root turns read-only).
  t.is((await sandbox('run', '--rm', '--read-only', '-w', '/made/here', 'lab/busybox', 'pwd')).stdout, '/made/here\n');
});
