// The resource-limit tests that need a real systemd with cgroup v2 delegation. They run INSIDE
// the guest of ../shared/vm (test/vm/run.sh boots it and starts this file there, as the
// unprivileged user `tester` in a systemd user session), and print TAP that test/run.mjs counts
// into the suite's closing line. The guest is emulated (TCG, slow): a handful of tests, each
// showing a limit by the container's own behaviour, one image load for all of them.
//
//   node dist/test/vm/limits.vm.js IMAGE-ARCHIVE
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const cli = join(root, 'bin', 'sandbox.js');
const archive = process.argv[2];
const home = mkdtempSync(join(tmpdir(), 'sandbox-vm-'));
const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_DATA_HOME: join(home, 'data'), XDG_CONFIG_HOME: join(home, 'config') };
const IMAGE = 'lab/busybox';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

function sandbox(...args: string[]): Result {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--', cli, ...args], { env, encoding: 'utf8', timeout: 180_000 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { code: r.status ?? 128, stdout: r.stdout ?? '', stderr: r.stderr ?? '', seconds };
}

function scopes(): string[] {
  const r = spawnSync('systemctl', ['--user', 'list-units', '--all', '--plain', '--no-legend', 'sandbox-*.scope'], { encoding: 'utf8' });
  return r.stdout.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter((u) => u.startsWith('sandbox-'));
}

function stateOf(name: string): Record<string, unknown> {
  const dir = join(env.XDG_DATA_HOME!, 'sandbox', 'containers');
  for (const id of readdirSync(dir)) {
    const s = JSON.parse(readFileSync(join(dir, id, 'state.json'), 'utf8')) as Record<string, unknown>;
    if (s.name === name) return s;
  }
  throw new Error(`no container named ${name}`);
}

let n = 0;
let failed = 0;
const show = (r: Result) => `exit ${r.code} after ${r.seconds.toFixed(1)} s\n  stdout: ${r.stdout.trim()}\n  stderr: ${r.stderr.trim()}`;

async function test(name: string, body: () => void | Promise<void>): Promise<void> {
  n++;
  const t0 = Date.now();
  try {
    await body();
    console.log(`ok ${n} - vm: ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (e) {
    failed++;
    console.log(`not ok ${n} - vm: ${name}`);
    for (const line of String(e instanceof Error ? e.message : e).split('\n')) console.log(`  # ${line}`);
  }
}

function check(cond: boolean, what: string, r?: Result): void {
  if (!cond) throw new Error(r ? `${what}\n${show(r)}` : what);
}

await test('the fixture image loads in the guest', () => {
  const r = sandbox('load', '-i', archive!);
  check(r.code === 0, 'sandbox load failed', r);
});

await test('sandbox info says which limits can be enforced here', () => {
  const r = sandbox('info');
  check(/ok +cgroup v2 delegation +limits enforced through a systemd scope: cpuset cpu io memory pids\n/.test(r.stdout), 'info does not report the systemd scope and its controllers', r);
});

await test('-m 32m: allocating 100 MB is OOM-killed, exit 137, OOMKilled true', () => {
  const r = sandbox('run', '--name', 'oom', '-m', '32m', IMAGE, 'sh', '-c', 'cat /sys/fs/cgroup/memory.max; dd if=/dev/zero bs=1048576 count=100 | tail');
  check(r.code === 137, 'want exit 137', r);
  check(r.stdout.startsWith('33554432'), 'memory.max inside the container is not 32m', r);
  check(stateOf('oom').oomKilled === true, `state.json says oomKilled ${String(stateOf('oom').oomKilled)}`);
  const inspected = sandbox('inspect', '--format', '{{.State.OOMKilled}}', 'oom');
  check(inspected.code === 0 && inspected.stdout.trim() === 'true', 'inspect must show State.OOMKilled true', inspected);
  const small = sandbox('run', '--name', 'fits', '-m', '32m', IMAGE, 'sh', '-c', 'dd if=/dev/zero bs=1048576 count=8 2>/dev/null | tail >/dev/null; echo done');
  check(small.code === 0 && small.stdout.includes('done') && stateOf('fits').oomKilled === false, 'an allocation under the limit must run to the end', small);
});

await test('--pids-limit 8: a fork loop hits the limit inside the container', () => {
  const loop = 'i=0; while [ $i -lt 30 ]; do sleep 3 & i=$((i+1)); done; wait';
  const r = sandbox('run', '--rm', '--pids-limit', '8', IMAGE, 'sh', '-c', `cat /sys/fs/cgroup/pids.max; ${loop}`);
  check(r.stdout.startsWith('8'), 'pids.max inside the container is not 8', r);
  check(/can't fork/i.test(r.stderr), 'the shell never failed to fork', r);
});

await test('--cpus 0.5: a busy loop is throttled (cpu.stat), and gets about half a CPU', () => {
  const r = sandbox('run', '--rm', '--cpus', '0.5', IMAGE, 'sh', '-c', 'cat /sys/fs/cgroup/cpu.max; timeout 3 sh -c "while :; do :; done"; cat /sys/fs/cgroup/cpu.stat');
  check(r.stdout.startsWith('50000 100000'), 'cpu.max is not "50000 100000"', r);
  const stat = Object.fromEntries(r.stdout.split('\n').map((l) => l.split(' ')).filter((p) => p.length === 2).map(([k, v]) => [k, Number(v)]));
  check((stat.nr_throttled ?? 0) > 5, `nr_throttled ${stat.nr_throttled} in 3 s of busy loop`, r);
  // Half a CPU: at most 50 ms of CPU per 100 ms period it ran in (the guest's emulated clock
  // makes wall time unreliable; the periods are the kernel's own count). 10% slack.
  check((stat.usage_usec ?? Infinity) <= (stat.nr_periods ?? 0) * 50_000 * 1.1, `usage_usec ${stat.usage_usec} in ${stat.nr_periods} periods: more than half a CPU`, r);
});

await test('--cpuset-cpus 1: the container runs on CPU 1 only', () => {
  const r = sandbox('run', '--rm', '--cpuset-cpus', '1', IMAGE, 'sh', '-c', 'grep Cpus_allowed_list /proc/self/status; nproc');
  check(/Cpus_allowed_list:\s*1\n1\n?$/.test(r.stdout), 'not pinned to CPU 1', r);
});

await test('--device-write-bps /dev/vda:1mb: a 3 MiB direct write takes about 3 s, against well under 1 s unlimited', () => {
  // The guest's only disk is virtio-blk /dev/vda (254:0); the container's writable layer is on
  // it. The write is timed inside the container: container start-up under emulation varies more
  // than the whole difference.
  const write = 'time dd if=/dev/zero of=/data bs=1048576 count=3 oflag=direct; cat /sys/fs/cgroup/io.max';
  const seconds = (r: Result) => Number(/real\s+(\d+)m\s*([\d.]+)s/.exec(r.stderr)?.slice(1).reduce((m, s) => String(Number(m) * 60 + Number(s))) ?? NaN);
  const free = sandbox('run', '--rm', IMAGE, 'sh', '-c', write);
  const slow = sandbox('run', '--rm', '--device-write-bps', '/dev/vda:1mb', IMAGE, 'sh', '-c', write);
  check(free.code === 0 && slow.code === 0, 'a run failed', free.code ? free : slow);
  check(/^254:0 .*wbps=1048576/m.test(slow.stdout), 'io.max does not carry the limit', slow);
  check(seconds(slow) >= 2, `the limited write took ${seconds(slow)} s`, slow);
  check(seconds(free) < seconds(slow) / 2, `unlimited ${seconds(free)} s vs limited ${seconds(slow)} s`, free);
});

await test('run -d: its scope while it runs, stats shows the limit, update changes it, gone after rm -f', async () => {
  const before = scopes();
  const run = sandbox('run', '-d', '--name', 'scoped', '-m', '64m', IMAGE, 'sleep', '300');
  check(run.code === 0, 'run -d failed', run);
  const id = run.stdout.trim();
  check(scopes().filter((s) => !before.includes(s)).join(' ') === `sandbox-${id}.scope`, `no scope sandbox-${id}.scope (have: ${scopes().join(' ')})`);
  const stats = sandbox('stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}} {{.PIDs}}', 'scoped');
  check(stats.code === 0 && /^scoped [\d.]+[KMG]?i?B \/ 64MiB 1\n$/.test(stats.stdout), 'stats does not show the 64MiB limit and 1 pid', stats);
  const table = sandbox('stats', '--no-stream');
  check(/^CONTAINER ID +NAME +CPU % +MEM USAGE \/ LIMIT +MEM % +NET I\/O +BLOCK I\/O +PIDS\n/.test(table.stdout) && table.stdout.includes(id.slice(0, 12)), 'stats table', table);
  const update = sandbox('update', '-m', '128m', '--pids-limit', '20', 'scoped');
  check(update.code === 0 && update.stdout === 'scoped\n', 'update failed', update);
  const after = sandbox('stats', '--no-stream', '--format', '{{.MemUsage}}', 'scoped');
  check(/ 128MiB\n$/.test(after.stdout), 'stats does not show the updated limit', after);
  const rm = sandbox('rm', '-f', 'scoped');
  check(rm.code === 0, 'sandbox rm -f failed', rm);
  for (let i = 0; i < 50 && scopes().includes(`sandbox-${id}.scope`); i++) await new Promise((r) => setTimeout(r, 100));
  check(!scopes().includes(`sandbox-${id}.scope`), `sandbox-${id}.scope still listed after rm -f`);
  const cgroupDir = spawnSync('find', ['/sys/fs/cgroup', '-name', `sandbox-${id}.scope`], { encoding: 'utf8' }).stdout.trim();
  check(cgroupDir === '', `its cgroup is still there: ${cgroupDir}`);
});

await test('--cgroup-parent NAME.slice: the scope sits in that slice of the user manager, its limit still enforced', () => {
  const run = sandbox('run', '-d', '--name', 'parented', '--cgroup-parent', 'sandbox-web.slice', '-m', '48m', IMAGE, 'sleep', '300');
  check(run.code === 0, 'run -d failed', run);
  const id = run.stdout.trim();
  const dir = spawnSync('find', ['/sys/fs/cgroup', '-name', `sandbox-${id}.scope`], { encoding: 'utf8' }).stdout.trim();
  // systemd nests a dashed slice in its prefix's: sandbox.slice/sandbox-web.slice.
  check(/\/sandbox\.slice\/sandbox-web\.slice\/sandbox-[0-9a-f]{64}\.scope$/.test(dir), `the scope is at '${dir}'`);
  const mem = sandbox('exec', 'parented', 'cat', '/sys/fs/cgroup/memory.max');
  check(mem.code === 0 && mem.stdout.trim() === '50331648', 'memory.max inside the container is not 48m', mem);
  const rm = sandbox('rm', '-f', 'parented');
  check(rm.code === 0, 'sandbox rm -f failed', rm);
});

if (!existsSync(cli)) console.log('# bin/sandbox.js missing: build the tree first');
console.log(`1..${n}`);
console.log(`# ${n - failed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
