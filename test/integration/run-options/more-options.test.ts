// The last run options of issues 4 and 6, as a user sees them: --volumes-from, --log-driver and
// --log-opt (with `logs` and `inspect`), --storage-opt, --volume-driver, --link and
// --link-local-ip, and `inspect`'s volume mounts. Bad values: one line, exit 125, nothing left.
// (--cgroup-parent's refusal on a host without delegation: test/integration/cgroups.)
import test from 'ava';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSandbox } from '../../helpers/cli.js';
import { useBusyboxHome } from '../../helpers/busybox-home.js';
import { needs } from '../../helpers/facility.js';

const RUNTIME = ['fixtures', 'cli', 'monitor', 'subids', 'newidmap', 'userns', 'unprivileged'] as const;
const it = needs(test, [...RUNTIME], 'runs real containers as an unprivileged user');
const itNet = needs(test, [...RUNTIME, 'tun'], 'runs real containers on user-defined networks as an unprivileged user');

const home = useBusyboxHome(test);

const sandbox = (...args: string[]) => runSandbox(args, { env: home.env });
const token = () => `t${Math.random().toString(36).slice(2, 10)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: () => Promise<T | undefined>, ms = 15000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await what().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('gave up waiting');
    await sleep(100);
  }
}

/** Whether any container record mentions `name` (a refused run must leave none). */
function recordNamed(name: string): boolean {
  const dir = join(home.dataDir, 'containers');
  if (!existsSync(dir)) return false;
  return readdirSync(dir).some((id) => {
    try {
      return readFileSync(join(dir, id, 'state.json'), 'utf8').includes(`"${name}"`);
    } catch {
      return false;
    }
  });
}

/** Run with a unique --name; a refusal must be exit 125, one line, and leave no container. */
async function refused(t: import('ava').ExecutionContext, args: string[], line: string | RegExp): Promise<void> {
  const name = token();
  const r = await sandbox('run', '--name', name, ...args);
  t.is(r.code, 125, r.stderr);
  t.is(r.stdout, '');
  const first = r.stderr.split('\n')[0]!;
  if (typeof line === 'string') t.is(first, line);
  else t.regex(first, line);
  t.false(recordNamed(name), 'no container record was left');
}

it("--volumes-from: the other container's named and anonymous volumes and binds, at the same targets", async (t) => {
  const vol = `vf_${token()}`;
  const dir = join(home.root, 'tmp', token());
  mkdirSync(dir);
  writeFileSync(join(dir, 'host.txt'), 'from the host\n');
  const src = token();
  const made = await sandbox('run', '--name', src, '-v', `${vol}:/named`, '-v', '/anon', '-v', `${dir}:/bound:ro`, 'lab/busybox', 'sh', '-c', 'echo named > /named/f; echo anon > /anon/f');
  t.is(made.code, 0, made.stderr);

  const r = await sandbox('run', '--rm', '--volumes-from', src, 'lab/busybox', 'sh', '-c', 'cat /named/f /anon/f /bound/host.txt; echo more >> /named/f && echo named-writable; touch /bound/x 2>/dev/null || echo bound-ro');
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'named\nanon\nfrom the host\nnamed-writable\nbound-ro\n');

  // :ro: every mount read-only; the container's own -v wins at a shared target.
  const ro = await sandbox('run', '--rm', '--volumes-from', `${src}:ro`, '-v', `${dir}:/anon`, 'lab/busybox', 'sh', '-c', 'touch /named/y 2>/dev/null || echo named-ro; cat /anon/host.txt');
  t.is(ro.stdout, 'named-ro\nfrom the host\n', ro.stderr);

  // The volume survives the --rm of the containers that took it, and the source still has it.
  t.is((await sandbox('run', '--rm', '-v', `${vol}:/v`, 'lab/busybox', 'cat', '/v/f')).stdout, 'named\nmore\n');
  await sandbox('rm', '-v', src);
});

it('--volumes-from: an unknown container or a bad mode is refused; nothing left behind', async (t) => {
  await refused(t, ['--volumes-from', `nosuch_${token()}`, 'lab/busybox', 'true'], /^sandbox: No such container: nosuch_/);
  const src = token();
  t.is((await sandbox('create', '--name', src, '-v', '/data', 'lab/busybox', 'true')).code, 0);
  await refused(t, ['--volumes-from', `${src}:rshared`, 'lab/busybox', 'true'], `sandbox: invalid mode: rshared (in --volumes-from ${src}:rshared): use ro or rw`);
  await sandbox('rm', '-v', src);
});

it('inspect lists volumes as docker does: Type volume, Name, the _data Source, Driver local', async (t) => {
  const vol = `iv_${token()}`;
  const id = (await sandbox('create', '-v', `${vol}:/data`, '-v', '/anon', '-v', `${home.root}:/h:ro`, 'lab/busybox', 'true')).stdout.trim();
  const mounts = JSON.parse((await sandbox('inspect', '-f', '{{json .Mounts}}', id)).stdout) as Record<string, unknown>[];
  const named = mounts.find((m) => m.Destination === '/data');
  t.deepEqual(named, { Type: 'volume', Name: vol, Source: join(home.dataDir, 'volumes', vol, '_data'), Destination: '/data', Driver: 'local', Mode: '', RW: true, Propagation: '' });
  const anon = mounts.find((m) => m.Destination === '/anon')!;
  t.is(anon.Type, 'volume');
  t.regex(anon.Name as string, /^[0-9a-f]{64}$/);
  t.deepEqual(mounts.find((m) => m.Destination === '/h'), { Type: 'bind', Source: home.root, Destination: '/h', Mode: 'ro', RW: false, Propagation: 'rprivate' });
  t.is(mounts.length, 3);
  await sandbox('rm', '-v', id);
});

it('--log-driver none: nothing is kept; logs says so as docker does; inspect shows the driver', async (t) => {
  const id = (await sandbox('run', '-d', '--log-driver', 'none', 'lab/busybox', 'echo', 'gone')).stdout.trim();
  await sandbox('wait', id);
  const logs = await sandbox('logs', id);
  t.is(logs.code, 1);
  t.is(logs.stderr, 'sandbox: configured logging driver does not support reading\n');
  t.is((await sandbox('inspect', '-f', '{{.HostConfig.LogConfig.Type}}', id)).stdout, 'none\n');
  await sandbox('rm', id);
});

it('--log-driver json-file with --log-opt max-size and max-file: rotated, at most max-file files kept', async (t) => {
  // 400 lines of ~100 bytes (about 45 kB of log) against a 4k cap and 3 files.
  const id = (await sandbox('run', '-d', '--log-driver', 'json-file', '--log-opt', 'max-size=4k', '--log-opt', 'max-file=3', 'lab/busybox', 'sh', '-c', 'i=0; while [ $i -lt 400 ]; do i=$((i+1)); echo "line $i $(printf %060d 0)"; done')).stdout.trim();
  t.is((await sandbox('wait', id)).stdout, '0\n');
  const files = readdirSync(join(home.dataDir, 'containers', id)).filter((f) => f.startsWith('ctr.log')).sort();
  t.deepEqual(files, ['ctr.log', 'ctr.log.1', 'ctr.log.2']);
  for (const f of files) t.true(readFileSync(join(home.dataDir, 'containers', id, f)).length < 4000 + 200, f);
  const out = (await sandbox('logs', id)).stdout.split('\n').filter(Boolean);
  t.regex(out[out.length - 1]!, /^line 400 0{60}$/);
  t.true(out.length < 400, 'the oldest lines went with the rotation');
  const cfg = await sandbox('inspect', '-f', '{{.HostConfig.LogConfig.Type}} {{json .HostConfig.LogConfig.Config}}', id);
  t.is(cfg.stdout, 'json-file {"max-file":"3","max-size":"4k"}\n');
  await sandbox('rm', id);
});

it('--log-opt tag, labels and env: logs --details prints them before each line, as docker', async (t) => {
  const name = token();
  const r = await sandbox('run', '-d', '--name', name, '-l', 'tier=front', '-e', 'REGION=eu', '--log-opt', 'tag={{.Name}}', '--log-opt', 'labels=tier', '--log-opt', 'env=REGION', 'lab/busybox', 'echo', 'hello');
  t.is(r.code, 0, r.stderr);
  await sandbox('wait', name);
  t.is((await sandbox('logs', '--details', name)).stdout, `REGION=eu,tag=${name},tier=front hello\n`);
  t.is((await sandbox('logs', name)).stdout, 'hello\n');
  await sandbox('rm', name);
});

it('--log-driver and --log-opt: bad values refused with one line, nothing left', async (t) => {
  await refused(t, ['--log-driver', 'journald', 'lab/busybox', 'true'], /^sandbox: --log-driver journald: not supported: .*use --log-driver k8s-file/);
  await refused(t, ['--log-driver', 'nope', 'lab/busybox', 'true'], "sandbox: --log-driver nope: no log driver named 'nope' is registered; use k8s-file (the default), json-file or none");
  await refused(t, ['--log-opt', 'max-size=big', 'lab/busybox', 'true'], 'sandbox: invalid value "big" for --log-opt max-size: use a size such as 10m or 1g');
  await refused(t, ['--log-opt', 'mode=non-blocking', 'lab/busybox', 'true'], /^sandbox: --log-opt mode=non-blocking: unknown log opt 'mode' for k8s-file log driver/);
});

it("--storage-opt size= is refused with the reason; --volume-driver takes only local", async (t) => {
  await refused(t, ['--storage-opt', 'size=1G', 'lab/busybox', 'true'], /^sandbox: --storage-opt size=1G: a container size limit needs a project quota on the store's filesystem \(.*only root can set quota limits/);
  await refused(t, ['--storage-opt', 'size', 'lab/busybox', 'true'], 'sandbox: invalid value "size" for --storage-opt: invalid storage option, use KEY=VALUE (e.g. size=10G)');
  await refused(t, ['--volume-driver', 'nfs', 'lab/busybox', 'true'], 'sandbox: --volume-driver nfs: volume driver "nfs" is not supported: only the local driver exists (leave the flag out, or use --volume-driver local)');
  const r = await sandbox('run', '--rm', '--volume-driver', 'local', '-v', `vd_${token()}:/d`, 'lab/busybox', 'sh', '-c', 'echo ok > /d/f && cat /d/f');
  t.is(r.stdout, 'ok\n', r.stderr);
});

it('--link on the default network is refused with the way that works; --link-local-ip is refused', async (t) => {
  const web = token();
  t.is((await sandbox('create', '--name', web, 'lab/busybox', 'true')).code, 0);
  await refused(t, ['--link', `${web}:db`, 'lab/busybox', 'true'], new RegExp(`^sandbox: --link ${web}:db: on the default network each rootless container has its own user-mode network.*sandbox network create NET`));
  await refused(t, ['--link', 'a:b:c', 'lab/busybox', 'true'], 'sandbox: invalid value "a:b:c" for --link: bad format for links: a:b:c (use NAME or NAME:ALIAS)');
  await refused(t, ['--link-local-ip', '169.254.7.7', 'lab/busybox', 'true'], /^sandbox: --link-local-ip 169\.254\.7\.7: not supported: /);
  await sandbox('rm', web);
});

itNet('--link NAME:ALIAS on a user-defined network: the alias reaches the linked container from the linking one', async (t) => {
  const net = `ln-${token()}`;
  const web = `web-${token()}`;
  t.is((await sandbox('network', 'create', net)).code, 0);
  const d = await sandbox('run', '-d', '--name', web, '--network', net, 'lab/busybox', 'sh', '-c', 'mkdir /www && echo linked > /www/index.html && exec httpd -f -p 80 -h /www');
  t.is(d.code, 0, d.stderr);
  await until(async () => ((await sandbox('exec', web, 'wget', '-qO-', 'http://127.0.0.1/')).code === 0 ? true : undefined));
  const r = await sandbox('run', '--rm', '--network', net, '--link', `${web}:db`, 'lab/busybox', 'sh', '-c', 'wget -qO- http://db/; grep -cE "[[:space:]]db([[:space:]]|$)" /etc/hosts');
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'linked\n1\n');
  // A container that is not on the network can't be linked: refused naming the fix.
  const other = token();
  t.is((await sandbox('create', '--name', other, 'lab/busybox', 'true')).code, 0);
  await refused(t, ['--network', net, '--link', other, 'lab/busybox', 'true'], `sandbox: --link ${other}: container ${other} is not on ${net}; connect it first (sandbox network connect ${net} ${other})`);
  await sandbox('rm', '-f', web, other);
  await sandbox('network', 'rm', net);
});
