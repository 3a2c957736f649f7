// Issue 2's "Done when", as a user sees it: load the test image, run it, exit codes and
// messages, the id map, ownership on the host, the image config honoured, --rm leaving nothing.
import test from 'ava';
import { readdirSync, statSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { makeSandboxHome, runSandbox, type SandboxHome } from '../../helpers/cli.js';
import { runOptions } from '../../../src/cli/run-options.js';
import { needs } from '../../helpers/facility.js';
import { fixtures } from '../../helpers/fixtures.js';
import { currentIdMaps } from '../../../src/runtime/idmap.js';

const RUNTIME = ['fixtures', 'cli', 'monitor', 'subids', 'newidmap', 'userns', 'unprivileged'] as const;
const it = needs(test, [...RUNTIME], 'runs real containers as an unprivileged user');

let home: SandboxHome;
test.before(async () => {
  if (!existsSync(process.env.SANDBOX_FIXTURES ?? '/nonexistent')) return;
  home = await makeSandboxHome();
  const fx = fixtures();
  for (const archive of [fx.busybox.ociArchive, fx.busyboxApp.dockerArchive]) {
    const r = await runSandbox(['load', '-i', archive], { env: home.env });
    if (r.code !== 0) throw new Error(`load ${archive} failed: ${r.stderr}`);
  }
});
test.after.always(async () => {
  await home?.cleanup();
});

const sandbox = (...args: string[]) => runSandbox(args, { env: home.env });
const containerDirs = () => {
  const dir = join(home.dataDir, 'containers');
  return existsSync(dir) ? readdirSync(dir) : [];
};
/** The container whose recorded command mentions `token` (tests run concurrently). */
const containerWith = (token: string): string | undefined =>
  containerDirs().find((d) => {
    try {
      return readFileSync(join(home.dataDir, 'containers', d, 'state.json'), 'utf8').includes(token);
    } catch {
      return false;
    }
  });
const token = () => `t${Math.random().toString(36).slice(2)}`;

it('run --rm IMAGE sh -c "echo hi; exit 3" prints hi and exits 3', async (t) => {
  const r = await sandbox('run', '--rm', 'lab/busybox', 'sh', '-c', 'echo hi; exit 3');
  t.is(r.stdout, 'hi\n');
  t.is(r.stderr, '');
  t.is(r.code, 3);
});

it('the container exit code is returned: 0, 1 and 255', async (t) => {
  for (const code of [0, 1, 255]) {
    const r = await sandbox('run', '--rm', 'lab/busybox', 'sh', '-c', `exit ${code}`);
    t.is(r.code, code, `exit ${code}`);
  }
});

it('stderr is streamed separately from stdout', async (t) => {
  const r = await sandbox('run', '--rm', 'lab/busybox', 'sh', '-c', 'echo out; echo err >&2');
  t.is(r.stdout, 'out\n');
  t.is(r.stderr, 'err\n');
});

it('/etc as the command exits 126 with docker message', async (t) => {
  const r = await sandbox('run', '--rm', 'lab/busybox', '/etc');
  t.is(r.code, 126, r.stderr);
  t.is(r.stderr, "sandbox: Container command '/etc' could not be invoked.\n");
});

it('a missing command exits 127 with docker message', async (t) => {
  const r = await sandbox('run', '--rm', 'lab/busybox', 'foo');
  t.is(r.code, 127, r.stderr);
  t.is(r.stderr, "sandbox: Container command 'foo' not found or does not exist.\n");
});

it('an unknown flag exits 125 with docker message', async (t) => {
  const r = await sandbox('run', '--foo', 'lab/busybox');
  t.is(r.code, 125);
  t.is(r.stderr, "flag provided but not defined: --foo\nSee 'sandbox run --help'.\n");
});

it('a flag not built yet is refused, not ignored', async (t) => {
  // Whichever option is still planned (the table changes as options are built).
  const planned: { long: string; kind: string } | undefined = runOptions.find((o) => (o.status as string) === 'planned');
  if (!planned) return t.pass('every run option is built');
  const r = await sandbox('run', ...(planned.kind === 'bool' ? [`--${planned.long}`] : [`--${planned.long}`, 'x']), 'lab/busybox', 'true');
  t.is(r.code, 125);
  t.is(r.stderr, `sandbox: --${planned.long} is not supported yet\n`);
});

it('a missing image exits 125 with one line', async (t) => {
  // --pull=never: the image is looked for locally only (run would otherwise pull it).
  const r = await sandbox('run', '--rm', '--pull=never', 'lab/nosuch', 'true');
  t.is(r.code, 125);
  t.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  t.regex(r.stderr, /^sandbox: .*No such image: lab\/nosuch/);
});

it('a registry blocked in registries.json is never contacted: one line, exit 125', async (t) => {
  // Every test home blocks all non-loopback registries (test/helpers/cli.ts): docker.io here.
  const r = await sandbox('run', '--rm', 'lab/nosuch', 'true');
  t.is(r.code, 125);
  t.regex(r.stderr, /registry docker\.io is blocked by .*registries\.json \("blocked-registries"\)/);
});

it('uid_map inside is 0 -> your uid and 1.. -> your subordinate range', async (t) => {
  const maps = currentIdMaps();
  const r = await sandbox('run', '--rm', 'lab/busybox', 'cat', '/proc/self/uid_map', '/proc/self/gid_map');
  const rows = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));
  t.deepEqual(rows, [
    [0, process.getuid!(), 1],
    [1, maps.uidMappings[1]!.hostID, maps.uidMappings[1]!.size],
    [0, process.getgid!(), 1],
    [1, maps.gidMappings[1]!.hostID, maps.gidMappings[1]!.size],
  ]);
});

it('a file chowned to 1000 inside belongs to the first subordinate id + 999 on the host', async (t) => {
  const tag = token();
  const r = await sandbox('run', 'lab/busybox', 'sh', '-c', `echo x > /tmp/mine && chown 1000:1000 /tmp/mine # ${tag}`);
  t.is(r.code, 0, r.stderr);
  const id = containerWith(tag);
  t.truthy(id);
  const st = statSync(join(home.dataDir, 'containers', id!, 'upper', 'tmp', 'mine'));
  const sub = currentIdMaps().uidMappings[1]!.hostID;
  t.is(st.uid, sub + 999);
  t.is(st.gid, currentIdMaps().gidMappings[1]!.hostID + 999);
  const state = JSON.parse(readFileSync(join(home.dataDir, 'containers', id!, 'state.json'), 'utf8'));
  t.like(state, { status: 'exited', exitCode: 0, image: 'lab/busybox' });
});

it('a layer file owned by 1000 in the image is owned by 1000 inside', async (t) => {
  const r = await sandbox('run', '--rm', 'lab/busybox', 'stat', '-c', '%u:%g', '/home/owned-by-1000');
  t.is(r.stdout, '1000:1000\n');
});

it('the upper layer whiteout hides the lower file and its new file shows', async (t) => {
  const r = await sandbox('run', '--rm', 'lab/busybox', 'sh', '-c', 'cat /etc/upper-added; test -e /etc/lower-only && echo still-there || echo gone');
  t.is(r.stdout, 'upper\ngone\n');
});

it('the image Entrypoint, Cmd, Env, WorkingDir and User are honoured', async (t) => {
  const r = await sandbox('run', '--rm', 'lab/busybox-app');
  t.is(r.stdout, 'entrypoint: APP_MODE=fixture\nfrom-cmd\n');
  const r2 = await sandbox('run', '--rm', 'lab/busybox-app', 'sh', '-c', 'id; pwd; echo $HOME');
  t.is(r2.stdout, 'entrypoint: APP_MODE=fixture\nuid=33(www-data) gid=33(www-data)\n/srv/app\n/var/www\n');
});

it('root in the container holds exactly the default capabilities, nothing inheritable or ambient', async (t) => {
  const r = await sandbox('run', '--rm', 'lab/busybox', 'grep', '^Cap', '/proc/self/status');
  t.is(r.stdout, 'CapInh:\t0000000000000000\nCapPrm:\t00000000a80425fb\nCapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\nCapAmb:\t0000000000000000\n');
});

it('the container starts with only fds 0, 1 and 2', async (t) => {
  // ls holds one fd of its own on the directory it reads: the highest one.
  const r = await sandbox('run', '--rm', 'lab/busybox', 'sh', '-c', 'ls /proc/self/fd | sort -n | head -n -1 | tr "\\n" " "');
  t.is(r.stdout, '0 1 2 ');
});

it('the default environment has PATH, HOSTNAME and HOME, and the hostname is the short id', async (t) => {
  const r = await sandbox('run', '--rm', 'lab/busybox', 'sh', '-c', 'env | sort; hostname');
  const lines = r.stdout.trim().split('\n');
  const hostname = lines.pop()!;
  t.regex(hostname, /^[0-9a-f]{12}$/);
  t.true(lines.includes(`HOSTNAME=${hostname}`));
  t.true(lines.includes('HOME=/root'));
  t.true(lines.includes('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'));
});

it('pid 1 is the command, in its own pid namespace, with proc, dev and sys mounted', async (t) => {
  const r = await sandbox('run', '--rm', 'lab/busybox', 'sh', '-c', 'echo $$; ls /dev | tr "\\n" " "; echo; test -d /sys/kernel && echo sys');
  const [pid, dev, sys] = r.stdout.trim().split('\n');
  t.is(pid, '1');
  for (const node of ['full', 'null', 'pts', 'random', 'shm', 'tty', 'urandom', 'zero']) t.true(dev!.split(' ').includes(node), node);
  t.is(sys, 'sys');
});

it('--rm leaves no container directory, process or record behind', async (t) => {
  const tag = token();
  const running = sandbox('run', '--rm', 'lab/busybox', 'sh', '-c', `touch /root/file; sleep 0.3 # ${tag}`);
  let seen: string | undefined;
  for (let i = 0; i < 100 && !seen; i++) {
    await new Promise((r) => setTimeout(r, 10));
    seen = containerWith(tag);
  }
  t.truthy(seen, 'the container existed while it ran');
  const r = await running;
  t.is(r.code, 0, r.stderr);
  t.false(existsSync(join(home.dataDir, 'containers', seen!)));
});

it('SIGKILL of the container process gives exit 137', async (t) => {
  const tag = token();
  const running = sandbox('run', '--rm', 'lab/busybox', 'sh', '-c', `sleep 30 # ${tag}`);
  // Kill only once the command runs: the state says running after the exec succeeded (a kill
  // during setup is a failed start, 125, not the container's death).
  let pid: number | undefined;
  for (let i = 0; i < 400 && pid === undefined; i++) {
    await new Promise((r) => setTimeout(r, 25));
    const d = containerWith(tag);
    try {
      const state = d && JSON.parse(readFileSync(join(home.dataDir, 'containers', d, 'state.json'), 'utf8'));
      if (state && state.status === 'running') pid = state.pid;
    } catch {
      /* being rewritten */
    }
  }
  t.truthy(pid, 'the container started');
  process.kill(pid!, 'SIGKILL');
  const r = await running;
  t.is(r.code, 137, r.stderr);
});
