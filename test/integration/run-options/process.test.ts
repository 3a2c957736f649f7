// Issue 4, the process side of `run` as a user sees it: environment, entrypoint, workdir, user
// and groups, hostname and the generated /etc files, ulimits, oom_score_adj, --init, labels,
// --cidfile, --name, and bad values refused with one line and nothing left behind.
import test from 'ava';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSandbox } from '../../helpers/cli.js';
import { useBusyboxHome } from '../../helpers/busybox-home.js';
import { needs } from '../../helpers/facility.js';

const it = needs(test, ['fixtures', 'cli', 'monitor', 'subids', 'newidmap', 'userns', 'unprivileged'], 'runs real containers as an unprivileged user');

const home = useBusyboxHome(test);

const sandbox = (...args: string[]) => runSandbox(args, { env: home.env });
const sandboxWith = (env: NodeJS.ProcessEnv, ...args: string[]) => runSandbox(args, { env: { ...home.env, ...env } });
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
const token = () => `t${Math.random().toString(36).slice(2)}`;

it('-e NAME=value, -e NAME from the caller, -e of an unset NAME sets nothing; --env-file below -e', async (t) => {
  const file = join(home.root, 'tmp', 'env.list');
  writeFileSync(file, '# a comment\nFROM_FILE=1\nBOTH=file\n');
  const r = await sandboxWith({ deep: 'purple' }, 'run', '--rm', '--env-file', file, '-e', 'BOTH=flag', '-e', 'deep', '-e', 'unset_here', 'lab/busybox', 'sh', '-c', 'echo "$FROM_FILE $BOTH $deep ${unset_here-none}"');
  t.is(r.stdout, '1 flag purple none\n');
  t.is(r.code, 0);
});

it('a missing --env-file is our one-line 125, not Node reading the flag as its own', async (t) => {
  const missing = join(home.root, 'tmp', 'no-such.env');
  const r = await sandbox('run', '--rm', '--env-file', missing, 'lab/busybox', 'true');
  t.is(r.code, 125);
  t.regex(r.stderr, new RegExp(`^sandbox: open ${missing}: no such file or directory \\(--env-file\\)\n$`));
});

it('PATH, HOSTNAME and HOME defaults', async (t) => {
  const r = await sandbox('run', '--rm', '--hostname', 'envhost', '-u', 'nobody', 'lab/busybox', 'sh', '-c', 'echo "$PATH|$HOSTNAME|$HOME"');
  t.is(r.stdout, '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin|envhost|/home\n');
});

it('--entrypoint replaces the entrypoint and clears Cmd; --entrypoint "" resets it', async (t) => {
  t.is((await sandbox('run', '--rm', '--entrypoint', 'echo', 'lab/busybox', 'a', 'b')).stdout, 'a b\n');
  t.is((await sandbox('run', '--rm', '--entrypoint', '', 'lab/busybox', 'echo', 'reset')).stdout, 'reset\n');
});

it('-w creates a missing working directory', async (t) => {
  const r = await sandbox('run', '--rm', '-w', '/no/such/dir', 'lab/busybox', 'pwd');
  t.is(r.stdout, '/no/such/dir\n');
});

it("-u in every form, and the reference's --group-add example", async (t) => {
  const id = async (...a: string[]) => (await sandbox('run', '--rm', ...a, 'lab/busybox', 'id')).stdout.trim();
  // Numeric ids need not exist in the image; names resolve from its /etc/passwd and /etc/group.
  t.regex(await id('-u', 'nobody'), /^uid=65534\(nobody\) gid=65534\b/);
  t.regex(await id('-u', '1234'), /^uid=1234 gid=0\(root\)/);
  t.regex(await id('-u', '1234:5678'), /^uid=1234 gid=5678\b/);
  t.regex(await id('-u', 'nobody:wheel'), /^uid=65534\(nobody\) gid=10\(wheel\)/);
  t.regex(await id('-u', '0:audio'), /^uid=0\(root\) gid=29\(audio\)/);
  t.is(await id('--group-add', 'audio', '--group-add', 'nogroup', '--group-add', '777'), 'uid=0(root) gid=0(root) groups=10(wheel),29(audio),99(nogroup),777');
});

it('--hostname sets the name, /etc/hostname and /etc/hosts; resolv.conf has no loopback server', async (t) => {
  const r = await sandbox('run', '--rm', '--hostname', 'box1', 'lab/busybox', 'sh', '-c', 'hostname; cat /etc/hostname; grep -c box1 /etc/hosts; grep -c "^nameserver 127" /etc/resolv.conf');
  t.is(r.stdout, 'box1\nbox1\n1\n0\n');
});

it('--ulimit sets soft and hard limits; --oom-score-adj raises the score', async (t) => {
  const r = await sandbox('run', '--rm', '--ulimit', 'nofile=500:600', '--oom-score-adj', '500', 'lab/busybox', 'sh', '-c', 'ulimit -n; ulimit -Hn; cat /proc/self/oom_score_adj');
  t.is(r.stdout, '500\n600\n500\n');
});

it('--oom-score-adj below the current value is refused before the run: rootless may only raise it', async (t) => {
  const name = token();
  const r = await sandbox('run', '--name', name, '--oom-score-adj', '-1000', 'lab/busybox', 'true');
  t.is(r.code, 125);
  t.regex(r.stderr, /^sandbox: invalid value "-1000" for --oom-score-adj: a rootless container may only raise it/);
  t.false(containerNamed(name));
});

it('--init runs a reaper as PID 1 that forwards signals and returns the exit status', async (t) => {
  const r = await sandbox('run', '--rm', '--init', 'lab/busybox', 'sh', '-c', 'cat /proc/1/comm; echo $$; exit 7');
  t.is(r.stdout, 'docker-init\n2\n');
  t.is(r.code, 7);
  // sh as PID 1 would ignore TERM; under the reaper it is an ordinary child and dies of it.
  const k = await sandbox('run', '--rm', '--init', 'lab/busybox', 'sh', '-c', 'kill -TERM $$; sleep 5');
  t.is(k.code, 143);
});

it('--cidfile gets the container id; an existing file is refused', async (t) => {
  const file = join(home.root, 'tmp', `cid-${process.pid}`);
  const r = await sandbox('run', '--rm', '--cidfile', file, 'lab/busybox', 'true');
  t.is(r.code, 0);
  t.regex(readFileSync(file, 'utf8'), /^[0-9a-f]{64}$/);
  const again = await sandbox('run', '--rm', '--cidfile', file, 'lab/busybox', 'true');
  t.is(again.code, 125);
  t.is(again.stderr, `sandbox: Container ID file found, make sure the other container isn't running or delete ${file}\n`);
});

it('--label, --stop-signal and --stop-timeout are recorded in the container config', async (t) => {
  const name = `lbl${process.pid}`;
  const r = await sandbox('run', '--name', name, '--label', 'com.example.team=blue', '--stop-signal', 'USR1', '--stop-timeout', '30', 'lab/busybox', 'true');
  t.is(r.code, 0);
  const dir = readdirSync(join(home.dataDir, 'containers')).find((d) => {
    try {
      return (JSON.parse(readFileSync(join(home.dataDir, 'containers', d, 'state.json'), 'utf8')) as { name: string }).name === name;
    } catch {
      return false;
    }
  });
  const config = JSON.parse(readFileSync(join(home.dataDir, 'containers', dir!, 'config.json'), 'utf8')) as { annotations: Record<string, string> };
  t.is(config.annotations['com.example.team'], 'blue');
  t.is(config.annotations['io.sandbox.stop-signal'], 'SIGUSR1');
  t.is(config.annotations['io.sandbox.stop-timeout'], '30');
});

it("--name twice: docker's conflict message", async (t) => {
  const name = `dup${process.pid}`;
  t.is((await sandbox('run', '--name', name, 'lab/busybox', 'true')).code, 0);
  const r = await sandbox('run', '--name', name, 'lab/busybox', 'true');
  t.is(r.code, 125);
  t.regex(r.stderr, new RegExp(`^sandbox: Conflict\\. The container name "/${name}" is already in use by container "[0-9a-f]{64}"\\. You have to remove \\(or rename\\) that container to be able to reuse that name\\.\\n$`));
});

it('bad values: one line naming the flag and value, exit 125, no container left', async (t) => {
  const cases: [string[], RegExp][] = [
    [['--shm-size', '12x'], /^sandbox: invalid value "12x" for --shm-size/],
    [['--ulimit', 'nofile=abc'], /^sandbox: invalid ulimit argument: nofile=abc/],
    [['--ulimit', 'bogus=1'], /^sandbox: invalid ulimit type: bogus/],
    [['--stop-signal', 'NOPE'], /^sandbox: invalid signal: NOPE/],
    [['--oom-score-adj', '5000'], /^sandbox: invalid value "5000" for --oom-score-adj/],
    [['-u', 'ghost'], /^sandbox: unable to find user ghost: no matching entries in passwd file/],
    [['-u', '3000000000'], /^sandbox: invalid user '3000000000'/],
    [['--group-add', 'ghosts'], /^sandbox: unable to find group ghosts/],
    [['-w', 'relative'], /^sandbox: the working directory 'relative' is invalid, it needs to be an absolute path/],
    [['--hostname', 'bad_name'], /^sandbox: invalid hostname 'bad_name' for --hostname/],
  ];
  for (const [args, message] of cases) {
    const name = token();
    const r = await sandbox('run', '--name', name, ...args, 'lab/busybox', 'true');
    t.is(r.code, 125, args.join(' '));
    t.regex(r.stderr, message, args.join(' '));
    t.is(r.stderr.trimEnd().split('\n').length, 1, args.join(' '));
    t.false(containerNamed(name), args.join(' '));
  }
});
