// On a host that can't enforce resource limits (this CI host: hybrid cgroups, no systemd), the
// limit flags are refused before anything is created, with the missing piece and the fix;
// --cgroups=disabled and the knobs cgroup v2 has no file for still run. The limits themselves
// are shown on a real systemd in test/vm.
import test from 'ava';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSandboxHome, runSandbox, type SandboxHome } from '../../helpers/cli.js';
import { needs } from '../../helpers/facility.js';
import { fixtures } from '../../helpers/fixtures.js';

const it = needs(test, ['fixtures', 'cli', 'monitor', 'subids', 'newidmap', 'userns', 'unprivileged'], 'runs real containers as an unprivileged user');

let home: SandboxHome;
let env: NodeJS.ProcessEnv;
test.before(async () => {
  if (!existsSync(process.env.SANDBOX_FIXTURES ?? '/nonexistent')) return;
  home = await makeSandboxHome();
  // On a cgroup v2 host, take the systemd user manager away (an empty runtime dir, no bus):
  // then this host can't enforce limits either, and the refusal must say why.
  const noBus = mkdtempSync(join(tmpdir(), 'sandbox-nobus-'));
  env = { ...home.env, XDG_RUNTIME_DIR: noBus };
  delete env.DBUS_SESSION_BUS_ADDRESS;
  const r = await runSandbox(['load', '-i', fixtures().busybox.dockerArchive], { env });
  if (r.code !== 0) throw new Error(`load failed: ${r.stderr}`);
});
test.after.always(async () => {
  await home?.cleanup();
});

const sandbox = (...args: string[]) => runSandbox(args, { env });
const containers = () => {
  const dir = join(home.dataDir, 'containers');
  return existsSync(dir) ? readdirSync(dir) : [];
};

it('-m 32m is refused before anything starts: exit 125, the missing piece and the fix', async (t) => {
  // Other tests of this file create containers concurrently: look for this run's own name.
  const name = `refused-${Math.random().toString(36).slice(2)}`;
  const r = await sandbox('run', '--rm', '--name', name, '-m', '32m', 'lab/busybox', 'echo', 'ran');
  t.is(r.code, 125);
  t.is(r.stdout, '');
  const [first, second] = r.stderr.trimEnd().split('\n');
  t.regex(first!, /^sandbox: --memory needs cgroup v2 delegation, and (this host has hybrid cgroups|this host has cgroup v1|no systemd user manager is reachable)/);
  t.regex(second!, /^Fix: .*Or run without limits: --cgroups=disabled\.$/);
  const leftover = containers().filter((id) => {
    try {
      return readFileSync(join(home.dataDir, 'containers', id, 'state.json'), 'utf8').includes(name);
    } catch {
      return false;
    }
  });
  t.deepEqual(leftover, [], 'no container record was created');
});

it('every enforcing flag is refused the same way, naming itself', async (t) => {
  for (const [flags, name] of [
    [['--pids-limit', '10'], '--pids-limit'],
    [['--cpus', '0.5'], '--cpus/--cpu-quota/--cpu-period'],
    [['--cpuset-cpus', '0'], '--cpuset-cpus'],
    [['--cpu-shares', '512'], '--cpu-shares'],
    [['--memory-reservation', '10m'], '--memory-reservation'],
  ] as const) {
    const r = await sandbox('run', '--rm', ...flags, 'lab/busybox', 'true');
    t.is(r.code, 125, flags.join(' '));
    t.true(r.stderr.startsWith(`sandbox: ${name} needs cgroup v2 delegation, and `), r.stderr);
  }
});

it('--cgroup-parent is refused like a limit on such a host: the missing piece and the fix, nothing left', async (t) => {
  const name = `parent-${Math.random().toString(36).slice(2)}`;
  const r = await sandbox('run', '--rm', '--name', name, '--cgroup-parent', 'web.slice', 'lab/busybox', 'echo', 'ran');
  t.is(r.code, 125);
  t.is(r.stdout, '');
  const [first, second] = r.stderr.trimEnd().split('\n');
  t.regex(first!, /^sandbox: --cgroup-parent needs cgroup v2 delegation, and (this host has hybrid cgroups|this host has cgroup v1|no systemd user manager is reachable)/);
  t.regex(second!, /^Fix: .*Or run without --cgroup-parent and limits\.$/);
  const left = containers().filter((id) => {
    try {
      return readFileSync(join(home.dataDir, 'containers', id, 'state.json'), 'utf8').includes(name);
    } catch {
      return false;
    }
  });
  t.deepEqual(left, [], 'no container record was created');
  const bad = await sandbox('run', '--rm', '--cgroup-parent', '-bad.slice', 'lab/busybox', 'true');
  t.is(bad.code, 125);
  t.regex(bad.stderr, /^sandbox: invalid value "-bad\.slice" for --cgroup-parent: not a valid slice name\n/);
});

it('--cgroups=disabled runs without limits, on purpose', async (t) => {
  const r = await sandbox('run', '--rm', '--cgroups=disabled', 'lab/busybox', 'echo', 'ran');
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'ran\n');
});

it('--cgroups=disabled with a limit is a contradiction, refused', async (t) => {
  const r = await sandbox('run', '--rm', '--cgroups=disabled', '-m', '32m', 'lab/busybox', 'true');
  t.is(r.code, 125);
  t.regex(r.stderr, /^sandbox: --memory needs a cgroup, but --cgroups=disabled was given/);
});

it('--memory-swappiness, --kernel-memory, --oom-kill-disable: docker\'s cgroup v2 warnings, then it runs', async (t) => {
  const r = await sandbox('run', '--rm', '--memory-swappiness', '0', '--kernel-memory', '50M', '--oom-kill-disable', 'lab/busybox', 'echo', 'ran');
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'ran\n');
  t.is(
    r.stderr,
    'WARNING: Your kernel does not support memory swappiness capabilities or the cgroup is not mounted. Memory swappiness discarded.\n' +
      'WARNING: Your kernel does not support kernel memory limit capabilities or the cgroup is not mounted. Limitation discarded.\n' +
      'WARNING: Your kernel does not support OomKillDisable. OomKillDisable discarded.\n',
  );
});

it('--cpu-rt-runtime is refused with the reason', async (t) => {
  const r = await sandbox('run', '--rm', '--cpu-rt-runtime', '950000', 'lab/busybox', 'true');
  t.is(r.code, 125);
  t.is(r.stderr, 'sandbox: --cpu-rt-runtime is not supported: cgroup v2 has no real-time CPU controller (cpu.rt_* exists only on cgroup v1)\n');
});

it('a bad value is one line naming the flag and the value, exit 125', async (t) => {
  const r = await sandbox('run', '--rm', '-m', '3m', 'lab/busybox', 'true');
  t.is(r.code, 125);
  t.is(r.stderr, 'sandbox: invalid argument "3m" for "--memory" flag: Minimum memory limit allowed is 6MB\nSee \'sandbox run --help\'.\n');
  const io = await sandbox('run', '--rm', '--device-write-bps', '/dev/nonexistent:1mb', 'lab/busybox', 'true');
  t.is(io.code, 125);
  t.regex(io.stderr, /^sandbox: invalid argument "\/dev\/nonexistent:1mb" for "--device-write-bps" flag: \/dev\/nonexistent is not a block device/);
});

it('stats and update on a container without a cgroup of its own: dashes, and a refusal naming why', async (t) => {
  const run = await sandbox('run', '-d', '--name', 'nocg', 'lab/busybox', 'sleep', '60');
  t.is(run.code, 0, run.stderr);
  t.teardown(() => sandbox('rm', '-f', 'nocg').then(() => undefined));
  const stats = await sandbox('stats', '--no-stream', '--format', '{{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.PIDs}}', 'nocg');
  t.is(stats.code, 0, stats.stderr);
  t.is(stats.stdout, 'nocg -- -- / -- --\n');
  const update = await sandbox('update', '-m', '64m', 'nocg');
  t.is(update.code, 1);
  t.is(update.stderr, 'sandbox: Cannot update container nocg: it has no cgroup of its own (started with --cgroups=disabled, or on a host without cgroup v2 delegation)\n');
  const none = await sandbox('update', 'nocg');
  t.is(none.code, 125);
  t.regex(none.stderr, /^sandbox: You must provide one or more flags when using this command\./);
});
