// --pid, --ipc, --uts, --cgroupns, --domainname and --sysctl as a user sees them, plus the
// options that pick among one choice (--runtime, --isolation, --disable-content-trust,
// --gpus), --annotation and -a/--attach. Bad values: one line naming flag and value, exit 125,
// no container left behind.
import test from 'ava';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { runSandbox } from '../../helpers/cli.js';
import { useBusyboxHome } from '../../helpers/busybox-home.js';
import { needs } from '../../helpers/facility.js';

const it = needs(test, ['fixtures', 'cli', 'monitor', 'subids', 'newidmap', 'userns', 'unprivileged'], 'runs real containers as an unprivileged user');

const home = useBusyboxHome(test);

const sandbox = (...args: string[]) => runSandbox(args, { env: home.env });
/** Whether any container record carries `name` (tests in this file run concurrently). */
const containerNamed = (name: string) => {
  const dir = join(home.dataDir, 'containers');
  return (existsSync(dir) ? readdirSync(dir) : []).some((d) => {
    try {
      return (JSON.parse(readFileSync(join(dir, d, 'state.json'), 'utf8')) as { name: string }).name === name;
    } catch {
      return false;
    }
  });
};
let serial = 0;
/** A bad run under a name of its own, so "nothing left behind" can be checked by name. */
const refused = async (...args: string[]) => {
  const name = `refused-${process.pid}-${++serial}`;
  const r = await sandbox('run', '--name', name, ...args);
  return { ...r, left: containerNamed(name) };
};

it('--pid host: ps in the container shows the host\'s processes, this test\'s own among them', async (t) => {
  const r = await sandbox('run', '--rm', '--pid', 'host', 'lab/busybox', 'ps', '-o', 'pid');
  t.is(r.code, 0, r.stderr);
  t.true(r.stdout.split('\n').map((l) => l.trim()).includes(String(process.pid)), r.stdout);
  const own = await sandbox('run', '--rm', 'lab/busybox', 'ps', '-o', 'pid');
  t.false(own.stdout.split('\n').map((l) => l.trim()).includes(String(process.pid)));
});

it('--uts host: the container\'s hostname and /etc/hostname are the host\'s; with -h it is refused', async (t) => {
  const r = await sandbox('run', '--rm', '--uts', 'host', 'lab/busybox', 'sh', '-c', 'hostname; cat /etc/hostname');
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, `${hostname()}\n${hostname()}\n`);
  const bad = await refused('--rm', '--uts', 'host', '-h', 'other', 'lab/busybox', 'true');
  t.is(bad.code, 125);
  t.false(bad.left);
  t.regex(bad.stderr, /^sandbox: conflicting options: hostname and the UTS mode/);
});

it('--domainname: the container\'s NIS domain name, as the kernel shows it; inspect has it', async (t) => {
  const name = `ns-dom-${process.pid}`;
  const r = await sandbox('run', '--name', name, '--domainname', 'example.test', 'lab/busybox', 'cat', '/proc/sys/kernel/domainname');
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'example.test\n');
  t.is((await sandbox('inspect', '--format', '{{.Config.Domainname}}', name)).stdout, 'example.test\n');
  await sandbox('rm', name);
  t.is((await sandbox('run', '--rm', 'lab/busybox', 'cat', '/proc/sys/kernel/domainname')).stdout, '(none)\n');
});

it('--ipc host: a file in the host\'s /dev/shm is seen in the container; --ipc none has no /dev/shm', async (t) => {
  const r = await sandbox('run', '--rm', '--ipc', 'host', 'lab/busybox', 'ls', '-d', '/dev/shm/.');
  t.is(r.code, 0, r.stderr);
  const hostShm = readdirSync('/dev/shm').sort();
  const listed = await sandbox('run', '--rm', '--ipc', 'host', 'lab/busybox', 'ls', '-A', '/dev/shm');
  // Other processes may add or remove files meanwhile: compare what both saw at the time.
  t.true(hostShm.every((f) => listed.stdout.split('\n').includes(f) || !existsSync(`/dev/shm/${f}`)), listed.stdout);
  const none = await sandbox('run', '--rm', '--ipc', 'none', 'lab/busybox', 'sh', '-c', 'test -e /dev/shm && echo present || echo absent');
  t.is(none.stdout, 'absent\n');
  const priv = await sandbox('run', '--rm', '--ipc', 'shareable', 'lab/busybox', 'sh', '-c', 'echo x > /dev/shm/f && cat /dev/shm/f');
  t.is(priv.stdout, 'x\n');
});

it("--pid container:X: ps shows X's processes, exec into it too; inspect says PidMode container:X", async (t) => {
  const x = `ns-px-${process.pid}`;
  const y = `ns-py-${process.pid}`;
  t.is((await sandbox('run', '-d', '--name', x, 'lab/busybox', 'sleep', '301')).code, 0);
  const r = await sandbox('run', '--rm', '--pid', `container:${x}`, 'lab/busybox', 'ps', '-o', 'args');
  t.is(r.code, 0, r.stderr);
  t.true(r.stdout.split('\n').includes('sleep 301'), r.stdout);
  t.is((await sandbox('run', '-d', '--name', y, '--pid', `container:${x}`, 'lab/busybox', 'sleep', '302')).code, 0);
  const ps = await sandbox('exec', y, 'ps', '-o', 'args');
  t.true(ps.stdout.split('\n').includes('sleep 301') && ps.stdout.split('\n').includes('sleep 302'), ps.stdout);
  t.is((await sandbox('inspect', '--format', '{{.HostConfig.PidMode}}', y)).stdout, `container:${x}\n`);
  await sandbox('rm', '-f', y, x);
  const stopped = await refused('--rm', '--pid', `container:${x}`, 'lab/busybox', 'true');
  t.is(stopped.code, 125);
  t.regex(stopped.stderr, /^sandbox: No such container/);
});

it("--ipc container:X shares X's ipc namespace (a POSIX message queue X made is listed); a stopped X is refused", async (t) => {
  const x = `ns-ix-${process.pid}`;
  t.is((await sandbox('run', '-d', '--name', x, 'lab/busybox', 'sh', '-c', 'touch /dev/mqueue/q-shared && sleep 303')).code, 0);
  let r = { code: 1, stdout: '', stderr: '' };
  // The queue exists once X's shell has run touch; poll for it rather than sleep a fixed time.
  for (let i = 0; i < 50 && !r.stdout.includes('q-shared'); i++) r = await sandbox('run', '--rm', '--ipc', `container:${x}`, 'lab/busybox', 'ls', '/dev/mqueue');
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'q-shared\n');
  t.is((await sandbox('run', '--rm', 'lab/busybox', 'ls', '/dev/mqueue')).stdout, '');
  await sandbox('stop', '-t', '0', x);
  const stopped = await refused('--rm', '--ipc', `container:${x}`, 'lab/busybox', 'true');
  t.is(stopped.code, 125);
  t.is(stopped.stderr, `sandbox: cannot join IPC of a non running container: ${x}\n`);
  t.false(stopped.left);
  await sandbox('rm', '-f', x);
});

it('--cgroupns host: /sys/fs/cgroup is the host\'s hierarchy; inspect says which mode', async (t) => {
  const name = `ns-cg-${process.pid}`;
  const r = await sandbox('run', '--name', name, '--cgroupns', 'host', 'lab/busybox', 'ls', '/sys/fs/cgroup');
  t.is(r.code, 0, r.stderr);
  t.deepEqual(r.stdout.split('\n').filter(Boolean), readdirSync('/sys/fs/cgroup').sort());
  t.is((await sandbox('inspect', '--format', '{{.HostConfig.CgroupnsMode}}', name)).stdout, 'host\n');
  await sandbox('rm', name);
});

it('--sysctl: namespaced settings read back inside; others refused with docker\'s message, exit 125, nothing left', async (t) => {
  const r = await sandbox('run', '--rm', '--sysctl', 'net.ipv4.ip_forward=1', '--sysctl', 'kernel.shmmax=123456789', 'lab/busybox', 'cat', '/proc/sys/net/ipv4/ip_forward', '/proc/sys/kernel/shmmax');
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, '1\n123456789\n');
  // The host's value is untouched (the container's namespace got it).
  t.is(readFileSync('/proc/sys/kernel/shmmax', 'utf8') === '123456789\n', false);
  const bad = await refused('--rm', '--sysctl', 'kernel.panic=1', 'lab/busybox', 'true');
  t.is(bad.code, 125);
  t.false(bad.left);
  t.is(bad.stderr, 'sandbox: invalid argument "kernel.panic=1" for "--sysctl" flag: sysctl \'kernel.panic=1\' is not allowed\n');
  const hostNet = await refused('--rm', '--network', 'host', '--sysctl', 'net.ipv4.ip_forward=1', 'lab/busybox', 'true');
  t.is(hostNet.code, 125);
  t.regex(hostNet.stderr, /sysctl 'net.ipv4.ip_forward' is not allowed in host network mode/);
  t.false(hostNet.left);
  const hostName = await sandbox('run', '--rm', '--sysctl', 'kernel.hostname=x', 'lab/busybox', 'true');
  t.regex(hostName.stderr, /use --hostname\n$/);
});

it('--annotation: kept in the container\'s config and shown by inspect as HostConfig.Annotations', async (t) => {
  const name = `ns-ann-${process.pid}`;
  const r = await sandbox('run', '--name', name, '--annotation', 'org.example.team=blue', '--annotation', 'flag', 'lab/busybox', 'true');
  t.is(r.code, 0, r.stderr);
  const out = await sandbox('inspect', '--format', '{{json .HostConfig.Annotations}}', name);
  t.deepEqual(JSON.parse(out.stdout), { 'org.example.team': 'blue', flag: '' });
  await sandbox('rm', name);
});

it('-a stdout shows only stdout; -a stderr only stderr; a bad stream or -a with -d is refused', async (t) => {
  const script = 'echo out; echo err >&2';
  const out = await sandbox('run', '--rm', '-a', 'stdout', 'lab/busybox', 'sh', '-c', script);
  t.deepEqual([out.code, out.stdout, out.stderr], [0, 'out\n', '']);
  const err = await sandbox('run', '--rm', '-a', 'STDERR', 'lab/busybox', 'sh', '-c', script);
  t.deepEqual([err.code, err.stdout, err.stderr], [0, '', 'err\n']);
  const both = await sandbox('run', '--rm', '-a', 'stdout', '-a', 'stderr', 'lab/busybox', 'sh', '-c', script);
  t.deepEqual([both.stdout, both.stderr], ['out\n', 'err\n']);
  const bad = await refused('--rm', '-a', 'stdfoo', 'lab/busybox', 'true');
  t.false(bad.left);
  t.is(bad.stderr, 'sandbox: invalid argument "stdfoo" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR\n');
  t.is(bad.code, 125);
  const detached = await refused('-d', '-a', 'stdout', 'lab/busybox', 'true');
  t.is(detached.code, 125);
  t.false(detached.left);
});

it('--runtime sandbox, --isolation default and --disable-content-trust run; other values are refused with the reason', async (t) => {
  const ok = await sandbox('run', '--rm', '--runtime', 'sandbox', '--isolation', 'default', '--disable-content-trust', 'lab/busybox', 'echo', 'ran');
  t.deepEqual([ok.code, ok.stdout], [0, 'ran\n']);
  const cases: [string[], RegExp][] = [
    [['--runtime', 'runc'], /^sandbox: unknown or invalid runtime name: runc /],
    [['--isolation', 'hyperv'], /^sandbox: invalid isolation: "hyperv" - linux only supports 'default'/],
    [['--disable-content-trust=false'], /^sandbox: --disable-content-trust=false: content trust .* is not supported/],
    [['--pid', 'bogus'], /^sandbox: invalid value "bogus" for --pid: /],
    [['--pid', `container:nosuch-${process.pid}`], /^sandbox: No such container: nosuch-\d+ \(--pid container:nosuch-\d+\)$/m],
    [['--ipc', 'bogus'], /^sandbox: invalid value "bogus" for --ipc: use private, shareable, none, host or container:NAME\|ID$/m],
    [['--uts', 'bogus'], /^sandbox: invalid value "bogus" for --uts: /],
    [['--cgroupns', 'bogus'], /^sandbox: invalid value "bogus" for --cgroupns: use host or private/],
    [['--gpus', 'all'], existsSync('/dev/nvidia0') ? /^sandbox: invalid value "all" for --gpus: GPU requests need/ : /^sandbox: invalid value "all" for --gpus: this host has no GPU devices/],
  ];
  for (const [flags, message] of cases) {
    const r = await refused('--rm', ...flags, 'lab/busybox', 'true');
    t.is(r.code, 125, flags.join(' '));
    t.false(r.left, flags.join(' '));
    t.regex(r.stderr, message);
    t.is(r.stderr.split('\n').length, 2, r.stderr);
  }
});
