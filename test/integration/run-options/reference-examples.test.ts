// The examples of the docker-run reference (../shared/reference/docker-run.md) in issue 4's
// areas, run as written with `sandbox` for `docker` and lab/busybox for busybox/alpine, with
// the output the reference prints. (The reference's volume and bind examples, which need a
// shell inside or a cwd, are in storage.test.ts; its health example in lifecycle/health.)
import test from 'ava';
import { runSandbox } from '../../helpers/cli.js';
import { useBusyboxHome } from '../../helpers/busybox-home.js';
import { needs } from '../../helpers/facility.js';

const it = needs(test, ['fixtures', 'cli', 'monitor', 'subids', 'newidmap', 'userns', 'unprivileged'], 'runs the reference examples as an unprivileged user');

const home = useBusyboxHome(test);

it('$ export today=Wednesday; docker run -e "deep=purple" -e today --rm alpine env', async (t) => {
  const r = await runSandbox(['run', '-e', 'deep=purple', '-e', 'today', '--rm', 'lab/busybox', 'env'], { env: { ...home.env, today: 'Wednesday' } });
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^PATH=\/usr\/local\/sbin:\/usr\/local\/bin:\/usr\/sbin:\/usr\/bin:\/sbin:\/bin\nHOSTNAME=[0-9a-f]{12}\ndeep=purple\ntoday=Wednesday\nHOME=\/root\n$/);
});

it('$ docker run --rm -w /my/workdir alpine pwd', async (t) => {
  const r = await runSandbox(['run', '--rm', '-w', '/my/workdir', 'lab/busybox', 'pwd'], { env: home.env });
  t.is(r.stdout, '/my/workdir\n', r.stderr);
});

it('$ docker run --rm --group-add audio --group-add nogroup --group-add 777 busybox id', async (t) => {
  const r = await runSandbox(['run', '--rm', '--group-add', 'audio', '--group-add', 'nogroup', '--group-add', '777', 'lab/busybox', 'id'], { env: home.env });
  t.is(r.stdout, 'uid=0(root) gid=0(root) groups=10(wheel),29(audio),99(nogroup),777\n', r.stderr);
});

it('exit status: --foo is 125, /etc is 126, foo is 127, exit 3 is 3, with the reference wording', async (t) => {
  const foo = await runSandbox(['run', '--foo', 'lab/busybox'], { env: home.env });
  t.deepEqual([foo.code, foo.stderr], [125, "flag provided but not defined: --foo\nSee 'sandbox run --help'.\n"]);
  const etc = await runSandbox(['run', 'lab/busybox', '/etc'], { env: home.env });
  t.deepEqual([etc.code, etc.stderr], [126, "sandbox: Container command '/etc' could not be invoked.\n"]);
  const missing = await runSandbox(['run', 'lab/busybox', 'foo'], { env: home.env });
  t.deepEqual([missing.code, missing.stderr], [127, "sandbox: Container command 'foo' not found or does not exist.\n"]);
  t.is((await runSandbox(['run', 'lab/busybox', '/bin/sh', '-c', 'exit 3'], { env: home.env })).code, 3);
});

it('$ docker run --entrypoint /bin/sh busybox -c ...: the entrypoint is replaced and COMMAND are its arguments; --entrypoint="" resets it', async (t) => {
  const r = await runSandbox(['run', '--rm', '--entrypoint', '/bin/sh', 'lab/busybox', '-c', 'echo $0 ran'], { env: home.env });
  t.is(r.stdout, '/bin/sh ran\n', r.stderr);
  const reset = await runSandbox(['run', '--rm', '--entrypoint=', 'lab/busybox', 'echo', 'no entrypoint'], { env: home.env });
  t.is(reset.stdout, 'no entrypoint\n', reset.stderr);
});
