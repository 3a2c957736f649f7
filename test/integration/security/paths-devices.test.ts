// docker's masked and read-only /proc and /sys paths (and mask=/unmask=), /sys read-only,
// --privileged lifting them, and --device / --device-cgroup-rule as ARCHITECTURE.md section 11
// has them rootless.
import test from 'ava';
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import { makeSandboxHome, runSandbox, type SandboxHome } from '../../helpers/cli.js';
import { needs } from '../../helpers/facility.js';
import { haveProbe, lastJson, loadImage, probeImage, type ProbeReport, type TryResult } from './support.js';

const RUNTIME = ['fixtures', 'cli', 'monitor', 'subids', 'newidmap', 'userns', 'unprivileged'] as const;
const withRuntime = needs(test, [...RUNTIME], 'runs real containers as an unprivileged user');
const it = haveProbe() ? withRuntime : needs(test, false, 'the static probe next to the monitor (npm run build:native builds sandbox-probe)');

let home: SandboxHome;
test.before(async () => {
  if (!existsSync(process.env.SANDBOX_FIXTURES ?? '/nonexistent') || !haveProbe()) return;
  home = await makeSandboxHome();
  await loadImage(home, probeImage());
});
test.after.always(async () => {
  await home?.cleanup();
});

const sandbox = (...args: string[]) => runSandbox(args, { env: home.env });
const sh = (opts: string[], script: string) => sandbox('run', '--rm', ...opts, 'lab/probe', 'sh', '-c', script);
const attempt = async (opts: string[], ...what: string[]) => {
  const r = await sandbox('run', '--rm', ...opts, 'lab/probe', '/probe', 'try', ...what);
  if (r.code !== 0) throw new Error(`probe try exited ${r.code}: ${r.stderr}`);
  return lastJson<TryResult>(r.stdout);
};
const mounts = async (...opts: string[]) => lastJson<ProbeReport>((await sandbox('run', '--rm', ...opts, 'lab/probe', '/probe')).stdout).mounts;

/** A device node this user may read but not write on the host (enforces ':r' by itself). */
const readOnlyDevice = ['/dev/kmsg', '/dev/autofs', ...readdirSync('/dev').map((n) => `/dev/${n}`)].find((p) => {
  try {
    const st = statSync(p);
    if (!st.isCharacterDevice()) return false;
    accessSync(p, constants.R_OK);
  } catch {
    return false;
  }
  try {
    accessSync(p, constants.W_OK);
    return false;
  } catch {
    return true;
  }
});

it("docker's masked paths read as empty (/proc/keys, /sys/firmware), the rest are covered too", async (t) => {
  const r = await sh([], 'wc -c < /proc/keys; ls -A /sys/firmware | wc -l');
  t.is(r.stdout.replace(/ /g, ''), '0\n0\n');
  const targets = (await mounts()).map((m) => m.target);
  for (const p of ['/proc/keys', '/proc/timer_list', '/sys/firmware', '/proc/acpi']) if (existsSync(p)) t.true(targets.includes(p), p);
});

it('/proc/sys, /proc/irq and /sys are read-only mounts', async (t) => {
  const r = await sh([], 'echo 1 > /proc/sys/kernel/ns_last_pid; touch /sys/kernel/x');
  t.is((r.stderr.match(/Read-only file system/g) ?? []).length, 2, r.stderr);
  const m = await mounts();
  for (const target of ['/sys', '/proc/sys', '/proc/irq', '/proc/bus', '/proc/fs']) {
    const found = m.filter((x) => x.target === target).pop();
    if (existsSync(target)) t.regex(found?.options ?? '', /^ro,/, target);
  }
});

it('--security-opt mask= hides more paths; unmask= shows one of the defaults; unmask=ALL all', async (t) => {
  t.is((await sh(['--security-opt', 'mask=/proc/version:/proc/cpuinfo'], 'wc -c < /proc/version; wc -c < /proc/cpuinfo')).stdout.replace(/ /g, ''), '0\n0\n');
  const one = await sh(['--security-opt', 'unmask=/sys/firmware'], 'ls -A /sys/firmware | wc -l; wc -c < /proc/keys');
  t.regex(one.stdout, /^\s*[1-9]\d*\n\s*0\n$/);
  const targets = (await mounts('--security-opt', 'unmask=/sys/firmware')).map((m) => m.target);
  t.false(targets.includes('/sys/firmware'));
  t.true(targets.includes('/proc/keys'));
  const all = await sh(['--security-opt', 'unmask=ALL'], 'ls -A /sys/firmware | wc -l; echo 1 > /proc/sys/kernel/ns_last_pid');
  t.regex(all.stdout, /^\s*[1-9]/);
  t.false(all.stderr.includes('Read-only file system'), all.stderr);
});

it('a relative mask= path is a one-line 125', async (t) => {
  const r = await sh(['--security-opt', 'mask=proc/version'], 'true');
  t.is(r.code, 125);
  t.is(r.stderr, "sandbox: invalid --security-opt 'mask=proc/version': 'proc/version' is not an absolute path\n");
});

it('--privileged: no masked paths, /sys mounted read-write, openable host devices in /dev', async (t) => {
  const r = await sh(['--privileged'], 'ls -A /sys/firmware | wc -l; test -c /dev/fuse && echo fuse');
  t.regex(r.stdout, new RegExp(`^\\s*[1-9]\\d*\\n${existsSync('/dev/fuse') ? 'fuse\\n' : ''}$`), r.stderr);
  const m = await mounts('--privileged');
  t.false(m.some((x) => ['/proc/keys', '/proc/timer_list', '/sys/firmware'].includes(x.target)));
  const sys = m.find((x) => x.target === '/sys');
  t.regex(sys!.options, /^rw,/);
});

it('--device /dev/fuse binds the host node; HOST:CONTAINER renames it', async (t) => {
  const r = await sh(['--device', '/dev/fuse', '--device', '/dev/zero:/dev/nothing'], "stat -c '%F %t:%T' /dev/fuse /dev/nothing; head -c 5 /dev/nothing | wc -c");
  t.is(r.stdout, 'character special file a:e5\ncharacter special file 1:5\n5\n', r.stderr);
});

it('--device HOST:w alone is refused with the reason', async (t) => {
  const r = await sh(['--device', '/dev/zero:w'], 'true');
  t.is(r.code, 125);
  t.is(r.stderr, "sandbox: invalid --device '/dev/zero:w': write-only access can't be enforced without root (a bind is read-write or read-only); use 'rw' or 'r'\n");
});

it(":r on a node this user may write is refused: a read-only bind doesn't stop device writes", async (t) => {
  const r = await sh(['--device', '/dev/zero:/dev/z:r'], 'true');
  t.is(r.code, 125);
  t.regex(r.stderr, /^sandbox: --device \/dev\/zero:\/dev\/z:r: read-only can't be enforced without root: /);
});

(readOnlyDevice ? it : needs(test, false, 'a device node this user may read but not write'))(':r on a node only readable by this user: reads work, writes fail', async (t) => {
  t.like(await attempt(['--device', `${readOnlyDevice}:/dev/ro:r`], 'write', '/dev/ro'), { error: 'EACCES' });
  const mount = (await mounts('--device', `${readOnlyDevice}:/dev/ro:r`)).find((m) => m.target === '/dev/ro');
  t.regex(mount!.options, /^ro,/);
});

it("'m' is accepted with a note that it means nothing rootless", async (t) => {
  const r = await sh(['--device', '/dev/null:/dev/n:rwm'], 'echo ok > /dev/n && echo written');
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'written\n');
  t.is(r.stderr, "WARNING: --device /dev/null: perms 'm' (mknod) has no effect rootless: without root no one can create device nodes\n");
});

it('a device this user cannot open, or that does not exist, is a one-line 125', async (t) => {
  const missing = await sh(['--device', '/dev/nosuchdevice'], 'true');
  t.is(missing.code, 125);
  t.is(missing.stderr, 'sandbox: error gathering device information while adding device "/dev/nosuchdevice": no such file or directory\n');
  const closed = ['/dev/kvm', '/dev/loop0', '/dev/console'].find((p) => existsSync(p) && !(() => { try { accessSync(p, constants.R_OK); return true; } catch { return false; } })());
  if (closed) {
    const r = await sh(['--device', closed], 'true');
    t.is(r.code, 125);
    t.regex(r.stderr, new RegExp(`^sandbox: --device ${closed}: you may not read and write it on the host`));
  }
});

it('--device-cgroup-rule is refused with the reason', async (t) => {
  const r = await sh(['--device-cgroup-rule', 'c 1:3 rwm'], 'true');
  t.is(r.code, 125);
  t.is(r.stderr, "sandbox: --device-cgroup-rule 'c 1:3 rwm' is not supported: device cgroup rules are BPF programs only root can attach; pass the device itself with --device\n");
});
