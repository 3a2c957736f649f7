// Issue 5 as a user sees it: run -d returns at once with the id and the container lives on
// without the CLI; ps, logs, wait, stop, kill, rm, start, rename and inspect act on it through
// its monitor; a killed monitor is reported, not hidden; concurrent runs and removals lose nothing.
import test from 'ava';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeSandboxHome, runSandbox } from '../../helpers/cli.js';
import { useBusyboxHome } from '../../helpers/busybox-home.js';
import { needs } from '../../helpers/facility.js';
import { fixtures } from '../../helpers/fixtures.js';

const RUNTIME = ['fixtures', 'cli', 'monitor', 'subids', 'newidmap', 'userns', 'unprivileged'] as const;
const it = needs(test, [...RUNTIME], 'runs real containers as an unprivileged user');

const home = useBusyboxHome(test);

const sandbox = (...args: string[]) => runSandbox(args, { env: home.env });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const name = () => `c${Math.random().toString(36).slice(2, 10)}`;

async function runD(...args: string[]): Promise<string> {
  const r = await sandbox('run', '-d', ...args);
  if (r.code !== 0) throw new Error(`run -d failed (${r.code}): ${r.stderr}`);
  return r.stdout.trim();
}

/** Poll `ps -a` until the container's STATUS matches. */
async function statusOf(id: string): Promise<string> {
  const r = await sandbox('ps', '-a', '--no-trunc', '--format', '{{.ID}}\t{{.Status}}');
  return r.stdout.split('\n').find((l) => l.startsWith(id))?.split('\t')[1] ?? '';
}
async function waitStatus(id: string, re: RegExp, ms = 10_000): Promise<string> {
  const end = Date.now() + ms;
  let s = '';
  while (Date.now() < end) {
    s = await statusOf(id);
    if (re.test(s)) return s;
    await sleep(100);
  }
  return s;
}

it('run -d prints the 64-hex id, returns while the container runs, and ps lists it Up with the 12-hex id', async (t) => {
  const id = await runD('lab/busybox', 'sleep', '1000');
  t.regex(id, /^[0-9a-f]{64}$/);
  const ps = await sandbox('ps');
  t.is(ps.code, 0);
  const line = ps.stdout.split('\n').find((l) => l.startsWith(id.slice(0, 12)));
  t.truthy(line, ps.stdout);
  t.regex(line!, /^[0-9a-f]{12} {3}lab\/busybox +"sleep 1000" +.* ago +Up /);
  t.regex(ps.stdout.split('\n')[0]!, /^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$/);
  t.true((await sandbox('ps', '-q', '--filter', 'ancestor=lab/busybox')).stdout.split('\n').includes(id.slice(0, 12)));
  t.is((await sandbox('rm', '-f', id)).code, 0);
});

it('logs shows stdout and stderr apart, with -n and -t, after the container exited', async (t) => {
  const id = await runD('lab/busybox', 'sh', '-c', 'echo one; echo two >&2; sleep 0.2; echo three; exit 3');
  t.is((await sandbox('wait', id)).stdout, '3\n');
  const logs = await sandbox('logs', id);
  t.is(logs.stdout, 'one\nthree\n');
  t.is(logs.stderr, 'two\n');
  t.is((await sandbox('logs', '-n', '1', id)).stdout, 'three\n');
  t.regex((await sandbox('logs', '-t', id)).stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z one\n\S+Z three\n$/);
  t.regex(await statusOf(id), /^Exited \(3\) .* ago$/);
  const st = await sandbox('inspect', '--format', '{{.State.Status}} {{.State.ExitCode}} {{.State.Running}}', id);
  t.is(st.stdout, 'exited 3 false\n');
  await sandbox('rm', id);
});

it('logs -f follows until the container stops', async (t) => {
  const id = await runD('lab/busybox', 'sh', '-c', 'for i in 1 2 3; do echo $i; sleep 0.3; done');
  const r = await sandbox('logs', '-f', id);
  t.is(r.code, 0);
  t.is(r.stdout, '1\n2\n3\n');
  await sandbox('rm', id);
});

it('stop sends SIGTERM, then SIGKILL after -t seconds; kill -s delivers a signal', async (t) => {
  // sh as pid 1 ignores SIGTERM (no handler): stop must fall back to SIGKILL, exit 137.
  const a = await runD('lab/busybox', 'sleep', '1000');
  const r = await sandbox('stop', '-t', '1', a);
  t.is(r.code, 0);
  t.is(r.stdout, `${a}\n`);
  t.regex(await statusOf(a), /^Exited \(137\)/);
  const b = await runD('lab/busybox', 'sh', '-c', 'trap "exit 42" USR1; while true; do sleep 0.1; done');
  await sleep(300);
  t.is((await sandbox('kill', '-s', 'USR1', b)).code, 0);
  t.is((await sandbox('wait', b)).stdout, '42\n');
  const k = await sandbox('kill', b);
  t.is(k.code, 1);
  t.regex(k.stderr, /^sandbox: cannot kill container: [0-9a-f]{64}: container [0-9a-f]{64} is not running\n$/);
  await sandbox('rm', a, b);
});

it('rm refuses a running container, rm -f kills and removes it and leaves no process', async (t) => {
  const id = await runD('lab/busybox', 'sleep', '1000');
  const state = JSON.parse(readFileSync(join(home.dataDir, 'containers', id, 'state.json'), 'utf8')) as { pid: number; monitorPid: number };
  const refused = await sandbox('rm', id);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /container is running: stop the container before removing or force remove/);
  const r = await sandbox('rm', '-f', id.slice(0, 12));
  t.is(r.code, 0);
  t.false(existsSync(join(home.dataDir, 'containers', id)));
  t.false(existsSync(`/proc/${state.pid}/cmdline`) && readFileSync(`/proc/${state.pid}/cmdline`, 'utf8').startsWith('sleep'));
  t.false(existsSync(`/proc/${state.monitorPid}/cmdline`) && readFileSync(`/proc/${state.monitorPid}/cmdline`, 'utf8').includes(id));
  t.is((await sandbox('rm', id)).stderr, `sandbox: No such container: ${id}\n`);
});

it('a container whose monitor was killed with -9 is listed as Dead, and its processes are gone', async (t) => {
  const id = await runD('lab/busybox', 'sleep', '1000');
  const state = JSON.parse(readFileSync(join(home.dataDir, 'containers', id, 'state.json'), 'utf8')) as { pid: number; monitorPid: number };
  process.kill(state.monitorPid, 'SIGKILL');
  t.is(await waitStatus(id, /^Dead$/), 'Dead');
  const insp = await sandbox('inspect', '--format', '{{.State.Status}} {{.State.Dead}}', id);
  t.is(insp.stdout, 'dead true\n');
  // The init dies with its monitor (PR_SET_PDEATHSIG), taking the container's pid namespace.
  const end = Date.now() + 5000;
  while (Date.now() < end && existsSync(`/proc/${state.pid}/status`) && !/State:\s+Z/.test(readFileSync(`/proc/${state.pid}/status`, 'utf8'))) await sleep(50);
  t.false(existsSync(`/proc/${state.pid}/status`) && !/State:\s+Z/.test(readFileSync(`/proc/${state.pid}/status`, 'utf8')));
  t.is((await sandbox('rm', id)).code, 0);
});

it('start runs a stopped container again; rename changes its name', async (t) => {
  const id = await runD('lab/busybox', 'sh', '-c', 'echo ran');
  t.is((await sandbox('wait', id)).stdout, '0\n');
  t.is((await sandbox('start', id)).code, 0);
  t.is((await sandbox('wait', id)).stdout, '0\n');
  t.is((await sandbox('logs', id)).stdout, 'ran\nran\n');
  const n = name();
  t.is((await sandbox('rename', id, n)).code, 0);
  t.is((await sandbox('inspect', '--format', '{{.Name}}', n)).stdout, `/${n}\n`);
  await sandbox('rm', n);
});

it('52 run -d and 52 rm -f from four shells at once lose nothing', async (t) => {
  const tag = name();
  const shell = async () => {
    const ids: string[] = [];
    for (let i = 0; i < 13; i++) ids.push(await runD('lab/busybox', 'sh', '-c', `sleep 1000 # ${tag}`));
    return ids;
  };
  const ids = (await Promise.all([shell(), shell(), shell(), shell()])).flat();
  t.is(new Set(ids).size, 52);
  const listed = (await sandbox('ps', '-q', '--no-trunc')).stdout.split('\n');
  for (const id of ids) t.true(listed.includes(id), id);
  const names = (await sandbox('ps', '-a', '--format', '{{.Names}}')).stdout.split('\n').filter(Boolean);
  t.is(new Set(names).size, names.length, 'names are unique');
  const quarters = [0, 1, 2, 3].map((q) => ids.filter((_, i) => i % 4 === q));
  const removed = await Promise.all(quarters.map((q) => sandbox('rm', '-f', ...q)));
  for (const r of removed) t.is(r.code, 0, r.stderr);
  const after = (await sandbox('ps', '-a', '-q', '--no-trunc')).stdout.split('\n');
  for (const id of ids) t.false(after.includes(id));
  const dirs = readdirSync(join(home.dataDir, 'containers'));
  for (const id of ids) t.false(dirs.includes(id));
});

it('exec runs in the container: its pid namespace, hostname, env and caps; -u, -w, -e, -i, -d; 126/127', async (t) => {
  const id = await runD('lab/busybox', 'sleep', '1000');
  const r = await sandbox('exec', id, 'sh', '-c', 'hostname; cat /proc/1/cmdline | tr "\\0" " "; echo; id -u');
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, `${id.slice(0, 12)}\nsleep 1000 \n0\n`);
  const u = await sandbox('exec', '-u', 'nobody', '-w', '/tmp', '-e', 'FOO=bar', id, 'sh', '-c', 'echo $FOO $(pwd) $(id -u); grep CapEff /proc/self/status; exit 5');
  t.is(u.code, 5);
  t.is(u.stdout, 'bar /tmp 65534\nCapEff:\t0000000000000000\n');
  const i = await runSandbox(['exec', '-i', id, 'cat'], { env: home.env, input: 'piped\n' });
  t.is(i.stdout, 'piped\n');
  const nf = await sandbox('exec', id, 'nosuch');
  t.is(nf.code, 127);
  t.is(nf.stderr, "sandbox: Container command 'nosuch' not found or does not exist.\n");
  t.is((await sandbox('exec', id, '/etc')).code, 126);
  t.is((await sandbox('exec', '-d', id, 'sh', '-c', 'sleep 0.2; echo late > /tmp/late')).code, 0);
  await sleep(600);
  t.is((await sandbox('exec', id, 'cat', '/tmp/late')).stdout, 'late\n');
  await sandbox('rm', '-f', id);
  t.is((await sandbox('exec', id, 'true')).code, 125);
});

it('--restart on-failure:2 runs a failing command three times; always restarts until stop', async (t) => {
  const a = await runD('--restart', 'on-failure:2', 'lab/busybox', 'sh', '-c', 'echo run; exit 3');
  t.is((await sandbox('inspect', '-f', '{{json .HostConfig.RestartPolicy}}', a)).stdout, '{"Name":"on-failure","MaximumRetryCount":2}\n');
  t.regex(await waitStatus(a, /^Exited \(3\)/), /^Exited \(3\)/);
  t.is((await sandbox('logs', a)).stdout, 'run\nrun\nrun\n');
  const b = await runD('--restart', 'always', 'lab/busybox', 'sh', '-c', 'echo again');
  await sleep(1000);
  t.true((await sandbox('logs', b)).stdout.split('\n').filter(Boolean).length >= 2);
  t.is((await sandbox('stop', b)).code, 0);
  t.regex(await waitStatus(b, /^Exited/), /^Exited/);
  const n = (await sandbox('logs', b)).stdout.length;
  await sleep(700);
  t.is((await sandbox('logs', b)).stdout.length, n, 'not restarted after stop');
  const bad = await sandbox('run', '-d', '--restart', 'sometimes', 'lab/busybox', 'true');
  t.deepEqual([bad.code, bad.stderr], [125, 'sandbox: invalid restart policy: sometimes\n']);
  await sandbox('rm', '-f', a, b);
});

it('run -i gives the container our stdin; without -i it reads /dev/null', async (t) => {
  t.is((await runSandbox(['run', '--rm', '-i', 'lab/busybox', 'cat'], { env: home.env, input: 'piped\n' })).stdout, 'piped\n');
  const r = await runSandbox(['run', '--rm', 'lab/busybox', 'cat'], { env: home.env, input: 'piped\n' });
  t.deepEqual([r.code, r.stdout], [0, '']);
});

it('top lists the container processes; container prune removes the stopped ones only', async (t) => {
  // A home of its own: prune removes every stopped container, other tests' too.
  const own = await makeSandboxHome(t);
  t.is((await runSandbox(['load', '-i', fixtures().busybox.ociArchive], { env: own.env })).code, 0);
  const sandbox = (...args: string[]) => runSandbox(args, { env: own.env });
  const runD = async (...args: string[]) => (await sandbox('run', '-d', ...args)).stdout.trim();
  const up = await runD('lab/busybox', 'sh', '-c', 'sleep 100 & sleep 200');
  const done = await runD('lab/busybox', 'true');
  t.is((await sandbox('wait', done)).stdout, '0\n');
  await sleep(300);
  const top = await sandbox('top', up, '-o', 'pid,args');
  t.is(top.code, 0, top.stderr);
  const lines = top.stdout.trim().split('\n');
  t.regex(lines[0]!, /^\s*PID COMMAND/);
  t.deepEqual(lines.slice(1).map((l) => l.trim().split(/\s+/).slice(1).join(' ')).sort(), ['sleep 100', 'sleep 200']);
  const prune = await sandbox('container', 'prune', '-f');
  t.true(prune.stdout.includes(`Deleted Containers:\n`) && prune.stdout.includes(done) && !prune.stdout.includes(up));
  t.regex(prune.stdout, /Total reclaimed space: 0B\n$/);
  t.is((await sandbox('container', 'ls', '-q', '--no-trunc', '--filter', `id=${up}`)).stdout, `${up}\n`);
  await sandbox('rm', '-f', up);
});

it('start --all (after a reboot) brings back always and unless-stopped containers, not stopped or policy-less ones', async (t) => {
  // A home of its own: start --all acts on every container, other tests' too.
  const own = await makeSandboxHome(t);
  t.is((await runSandbox(['load', '-i', fixtures().busybox.ociArchive], { env: own.env })).code, 0);
  const sandbox = (...args: string[]) => runSandbox(args, { env: own.env });
  const runD = async (...args: string[]) => (await sandbox('run', '-d', ...args)).stdout.trim();
  const statusOf = async (id: string) =>
    (await sandbox('ps', '-a', '--no-trunc', '--format', '{{.ID}}\t{{.Status}}')).stdout.split('\n').find((l) => l.startsWith(id))?.split('\t')[1] ?? '';
  const waitStatus = async (id: string, re: RegExp) => {
    for (let end = Date.now() + 10_000; Date.now() < end; await sleep(100)) if (re.test(await statusOf(id))) break;
    return statusOf(id);
  };
  const always = await runD('--restart', 'always', 'lab/busybox', 'sleep', '1000');
  const unless = await runD('--restart', 'unless-stopped', 'lab/busybox', 'sleep', '1000');
  const stopped = await runD('--restart', 'unless-stopped', 'lab/busybox', 'sleep', '1000');
  const none = await runD('lab/busybox', 'sleep', '1000');
  t.is((await sandbox('stop', '-t', '0', stopped)).code, 0);
  // A reboot, as far as our containers can tell: every monitor gone at once.
  for (const id of [always, unless, none]) {
    const st = JSON.parse(readFileSync(join(own.dataDir, 'containers', id, 'state.json'), 'utf8')) as { monitorPid: number };
    process.kill(st.monitorPid, 'SIGKILL');
  }
  for (const id of [always, unless, none]) t.is(await waitStatus(id, /^Dead$/), 'Dead');
  const r = await sandbox('start', '--all');
  t.is(r.code, 0, r.stderr);
  t.deepEqual(r.stdout.split('\n').filter(Boolean).sort(), [always, unless].sort());
  t.regex(await statusOf(always), /^Up /);
  t.regex(await statusOf(unless), /^Up /);
  t.regex(await statusOf(stopped), /^Exited/);
  t.is(await statusOf(none), 'Dead');
  await sandbox('rm', '-f', always, unless, stopped, none);
});

it('create makes a Created container that start runs', async (t) => {
  const c = await sandbox('create', 'lab/busybox', 'sh', '-c', 'echo made');
  t.is(c.code, 0, c.stderr);
  const id = c.stdout.trim();
  t.regex(id, /^[0-9a-f]{64}$/);
  t.is(await statusOf(id), 'Created');
  t.is((await sandbox('inspect', '-f', '{{.State.Status}}', id)).stdout, 'created\n');
  t.is((await sandbox('start', id)).stdout, `${id}\n`);
  t.is((await sandbox('wait', id)).stdout, '0\n');
  t.is((await sandbox('logs', id)).stdout, 'made\n');
  await sandbox('rm', id);
});
