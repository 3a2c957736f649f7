// Images built to escape. Each case is an image made by this test (the busybox layer plus a
// hostile layer), run as an unprivileged user; every one must fail to get out, and the test
// looks at the HOST afterwards: the victim files and directories are as they were.
import test from 'ava';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { makeSandboxHome, runSandbox, type SandboxHome } from '../../helpers/cli.js';
import { needs } from '../../helpers/facility.js';
import { monitorPath } from '../../../src/runtime/paths.js';
import { haveProbe, lastJson, loadImage, probeImage, probePath, type TryResult } from './support.js';

const RUNTIME = ['fixtures', 'cli', 'monitor', 'subids', 'newidmap', 'userns', 'unprivileged'] as const;
const withRuntime = needs(test, [...RUNTIME], 'runs real containers as an unprivileged user');
const it = haveProbe() ? withRuntime : needs(test, false, 'the static probe next to the monitor (npm run build:native builds sandbox-probe)');

let home: SandboxHome;
/** Host paths the hostile images point at; each holds what the test checks afterwards. */
let victim: { dir: string; file: string };

test.before(async () => {
  if (!existsSync(process.env.SANDBOX_FIXTURES ?? '/nonexistent') || !haveProbe()) return;
  home = await makeSandboxHome();
  victim = { dir: join(home.root, 'victim-dir'), file: join(home.root, 'victim-file') };
  mkdirSync(victim.dir, { mode: 0o755 });
  writeFileSync(victim.file, 'original\n');
  await loadImage(home, probeImage());
  const link = (name: string, target: string) => ({ name, type: '2', linkname: target, mode: 0o777 });
  const images = [
    { name: 'lab/hostile-dev', entries: [link('dev', victim.dir)] },
    { name: 'lab/hostile-proc', entries: [link('proc', victim.dir)] },
    { name: 'lab/hostile-hosts', entries: [link('etc/hosts', victim.file)] },
    { name: 'lab/hostile-volume', entries: [link('data', '/')] },
    { name: 'lab/hostile-volume-out', entries: [link('data', victim.dir)] },
    { name: 'lab/hostile-workdir', entries: [], config: { WorkingDir: '/proc/self/fd/7' } },
  ];
  for (const image of images) await loadImage(home, { ...image, name: `${image.name}:latest` });
});
test.after.always(async () => {
  await home?.cleanup();
});

const sandbox = (...args: string[]) => runSandbox(args, { env: home.env });
const attempt = async (opts: string[], ...what: string[]) => {
  const r = await sandbox('run', '--rm', ...opts, 'lab/probe', '/probe', 'try', ...what);
  if (r.code !== 0) throw new Error(`probe try exited ${r.code}: ${r.stderr}`);
  return lastJson<TryResult>(r.stdout);
};
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

/** The host side is untouched: nothing created in the victim dir, the victim file unchanged. */
function hostIntact(t: { deepEqual: (a: unknown, b: unknown, m?: string) => void; is: (a: unknown, b: unknown, m?: string) => void }) {
  t.deepEqual(readdirSync(victim.dir), [], 'nothing was created in the host directory');
  t.is(readFileSync(victim.file, 'utf8'), 'original\n', 'the host file is unchanged');
}

it('/dev as a symlink to a host directory: the mounts stay in the rootfs', async (t) => {
  const r = await sandbox('run', '--rm', 'lab/hostile-dev', 'sh', '-c', 'echo pwned > /dev/null; echo done');
  // Resolved inside the root, the link names a path the image lacks: refused before any mount.
  t.is(r.code, 125);
  t.is(r.stdout, '');
  t.is(r.stderr, 'sandbox: mount tmpfs tmpfs on /dev: /dev in the rootfs is a dangling symlink\n');
  hostIntact(t);
});

it('/proc as a symlink to a host directory: proc is not mounted outside', async (t) => {
  const r = await sandbox('run', '--rm', 'lab/hostile-proc', 'sh', '-c', 'touch /proc/pwned; echo done');
  t.is(r.code, 125);
  t.is(r.stdout, '');
  t.is(r.stderr, 'sandbox: mount proc proc on /proc: /proc in the rootfs is a dangling symlink\n');
  hostIntact(t);
});

it('/etc/hosts as a symlink to a host file: writing it never reaches the host file', async (t) => {
  const r = await sandbox('run', '--rm', 'lab/hostile-hosts', 'sh', '-c', 'echo pwned > /etc/hosts; cat /etc/hosts');
  t.is(r.code, 125);
  t.is(r.stdout, '');
  t.regex(r.stderr, /^sandbox: mount bind \S+\/hosts on \/etc\/hosts: \/etc\/hosts in the rootfs is a dangling symlink\n$/);
  hostIntact(t);
});

it('a volume target that is a symlink to /: refused, not mounted over the container root or the host', async (t) => {
  const src = join(home.root, 'volume-src');
  mkdirSync(src, { recursive: true });
  const r = await sandbox('run', '--rm', '-v', `${src}:/data`, 'lab/hostile-volume', 'sh', '-c', 'echo pwned > /data/written; echo done');
  t.is(r.code, 125, r.stderr);
  t.regex(r.stderr, /the target resolves to the container's root/);
  t.deepEqual(readdirSync(src), []);
  t.false(existsSync('/written'));
  hostIntact(t);
});

it('a volume target that is a symlink to a host directory: nothing is mounted or created there', async (t) => {
  const src = join(home.root, 'volume-src2');
  mkdirSync(src, { recursive: true });
  const r = await sandbox('run', '--rm', '-v', `${src}:/data`, 'lab/hostile-volume-out', 'sh', '-c', 'echo pwned > /data/written; echo done');
  t.is(r.code, 125);
  t.regex(r.stderr, /^sandbox: mount bind .*volume-src2 on \/data: \/data in the rootfs is a dangling symlink\n$/);
  t.deepEqual(readdirSync(src), []);
  hostIntact(t);
});

it('WORKDIR /proc/self/fd/7 (CVE-2024-21626) is refused before the command runs', async (t) => {
  const r = await sandbox('run', '--rm', 'lab/hostile-workdir', 'sh', '-c', 'pwd; ls');
  t.is(r.code, 125, r.stdout);
  t.is(r.stdout, '');
  t.regex(r.stderr, /working directory \/proc\/self\/fd\/7/);
});

it('a setuid-root binary: container root at most, which is the invoking user on the host; nothing with no-new-privileges', async (t) => {
  // /probe is not setuid: a uid-1000 process can't become root.
  t.like(await attempt(['--user', '1000:1000'], 'setuid0'), { error: 'EPERM', euid: 1000 });
  // /probe-suid is setuid root in the image: it becomes root of the container...
  const r = await sandbox('run', '--rm', '--user', '1000:1000', 'lab/probe', '/probe-suid', 'try', 'setuid0');
  t.like(lastJson<TryResult>(r.stdout), { ret: 0, euid: 0 });
  // ...and what that root writes to the host is owned by the user who ran sandbox.
  const out = join(home.root, 'suid-out');
  mkdirSync(out, { recursive: true });
  const w = await sandbox('run', '--rm', '--user', '1000:1000', '-v', `${out}:/out`, 'lab/probe', '/probe-suid', 'try', 'create', '/out/made-by-suid');
  t.like(lastJson<TryResult>(w.stdout), { ret: 6, euid: 0 });
  t.is(statSync(join(out, 'made-by-suid')).uid, process.getuid!());
  // With no_new_privs the setuid bit does nothing.
  const ns = await sandbox('run', '--rm', '--user', '1000:1000', '--security-opt', 'no-new-privileges', 'lab/probe', '/probe-suid', 'try', 'setuid0');
  t.like(lastJson<TryResult>(ns.stdout), { error: 'EPERM', euid: 1000 });
});

it('mount, unshare and ptrace without the capability fail with EPERM', async (t) => {
  t.like(await attempt([], 'mount-tmpfs', '/tmp'), { error: 'EPERM' });
  t.like(await attempt([], 'unshare-mount'), { error: 'EPERM' });
  t.like(await attempt([], 'unshare-user'), { error: 'EPERM' });
  t.like(await attempt([], 'chroot', '/tmp'), { ret: 0 });
  t.like(await attempt(['--cap-drop', 'SYS_CHROOT'], 'chroot', '/tmp'), { error: 'EPERM' });
  // pid 1 is root's shell; a process of another user (nobody) may not trace it.
  const r = await sandbox('run', '--rm', 'lab/probe', 'sh', '-c', 'su -s /bin/sh nobody -c "/probe try ptrace 1"');
  t.like(lastJson<TryResult>(r.stdout), { error: 'EPERM', euid: 65534 });
});

it('host files the user could not read stay unreadable, even to root in the container', async (t) => {
  const r = await sandbox('run', '--rm', '-v', '/etc:/hostetc:ro', '-v', '/root:/hostroot:ro', 'lab/probe', 'sh', '-c', '/probe try read /hostetc/shadow; /probe try read /hostroot/.bashrc; ls /hostroot');
  const lines = r.stdout.trim().split('\n');
  t.like(JSON.parse(lines[0]!), { error: 'EACCES' });
  t.like(JSON.parse(lines[1]!), { error: 'EACCES' });
  t.regex(r.stderr, /Permission denied/);
});

it('the host binaries we run are not reachable for writing: /proc/self/exe and /proc/1/exe are the image\'s', async (t) => {
  const before = { monitor: sha(monitorPath(home.env)), probe: sha(probePath(home.env)) };
  // The container's processes are all from the image; none of ours is in its pid namespace.
  const r = await sandbox('run', '--rm', 'lab/probe', 'sh', '-c', 'for p in /proc/[0-9]*; do readlink $p/exe; done | sort -u; /probe try write /proc/self/exe; /probe try write /proc/1/exe');
  const lines = r.stdout.trim().split('\n');
  const tries = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as TryResult);
  const exes = lines.filter((l) => !l.startsWith('{'));
  t.true(exes.length > 0);
  for (const e of exes) t.true(e.startsWith('/bin/') || e === '/probe', e);
  t.like(tries[0], { error: 'ETXTBSY' });
  t.like(tries[1], { error: 'ETXTBSY' });
  t.deepEqual({ monitor: sha(monitorPath(home.env)), probe: sha(probePath(home.env)) }, before);
});

it('a host binary bound in (--init) is read-only inside', async (t) => {
  const init = join(dirname(monitorPath(home.env)), 'sandbox-init');
  const before = existsSync(init) ? sha(init) : '';
  const r = await sandbox('run', '--rm', '--init', 'lab/probe', '/probe', 'try', 'write', '/sbin/docker-init');
  t.is(r.code, 0, r.stderr);
  // A read-only mount (EROFS); a root-owned build is not the container root's either (EACCES);
  // and it runs as pid 1, so the kernel refuses writers too (ETXTBSY).
  t.regex(lastJson<TryResult>(r.stdout).error, /^(EROFS|EACCES|ETXTBSY)$/);
  if (before) t.is(sha(init), before);
});

it('state and store files are private to the user (0700 dirs, no world access)', async (t) => {
  const r = await sandbox('run', 'lab/probe', 'true');
  t.is(r.code, 0, r.stderr);
  for (const dir of [home.dataDir, join(home.dataDir, 'containers')]) {
    t.is(statSync(dir).mode & 0o077, 0, dir);
  }
  // Other tests' --rm containers may vanish between the listing and the stat: skip those.
  const modeOf = (p: string) => {
    try {
      return statSync(p).mode & 0o077;
    } catch {
      return undefined;
    }
  };
  for (const id of readdirSync(join(home.dataDir, 'containers'))) {
    const d = join(home.dataDir, 'containers', id);
    for (const p of [d, join(d, 'config.json'), join(d, 'state.json')]) {
      const m = modeOf(p);
      if (m !== undefined) t.is(m, 0, p);
    }
  }
});
