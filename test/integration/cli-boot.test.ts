// How the CLI starts (src/boot/bundle.cts, bin/sandbox.js): a command's part of the bundle, the
// whole bundle (a command its part lacks), dist/src (SANDBOX_NO_BUNDLE=1) and the code caches
// must all give the user the same thing: same output, same exit code, nothing cut short when
// the process ends quickly, and caches only the user can read or write.
import test from 'ava';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runSandbox, type RunResult } from '../helpers/cli.js';
import { useBusyboxHome } from '../helpers/busybox-home.js';
import { needs } from '../helpers/facility.js';

const RUNTIME = ['fixtures', 'cli', 'monitor', 'subids', 'newidmap', 'userns', 'unprivileged'] as const;
const it = needs(test, [...RUNTIME], 'runs real containers as an unprivileged user');

const home = useBusyboxHome(test);

const sandbox = (args: string[], env: NodeJS.ProcessEnv = {}) => runSandbox(args, { env: { ...home.env, ...env } });
const seen = (r: RunResult) => ({ code: r.code, stdout: r.stdout, stderr: r.stderr });

it('every way of loading the CLI prints the same: its part of the bundle, the whole bundle, dist/src, with and without a code cache', async (t) => {
  const cases = [
    ['--version'],
    ['--help'],
    ['help', 'run'],
    ['ps', '-a'],
    // `--` hides the command from the loader: main.js' part, then the whole bundle for `ps`
    ['--', 'ps', '-a'],
    ['images'],
    // a command without a part (its subcommands are imported by a computed name): the whole bundle
    ['image', 'ls'],
    ['no-such-command'],
    ['run', '--rm', '--memory', '1x', 'lab/busybox', 'true'],
    // non-ASCII text in and out (the bundle is written in ASCII, with \u escapes)
    ['run', '--rm', '--health-interval', '2\u00b5s', 'lab/busybox', 'echo', 'caf\u00e9 \u2026'],
  ];
  for (const args of cases) {
    const fromSource = seen(await sandbox(args, { SANDBOX_NO_BUNDLE: '1' }));
    const first = seen(await sandbox(args)); // writes the command's code cache when it succeeds
    const cached = seen(await sandbox(args));
    t.deepEqual(first, fromSource, args.join(' '));
    t.deepEqual(cached, fromSource, args.join(' '));
  }
  t.is((await sandbox(['run', '--rm', 'lab/busybox', 'echo', 'caf\u00e9 \u2026'])).stdout, 'caf\u00e9 \u2026\n');
});

it('a large output is written whole before the process ends', async (t) => {
  const r = await sandbox(['run', '--rm', 'lab/busybox', 'sh', '-c', 'yes | head -c 2000000']);
  t.is(r.code, 0);
  t.is(r.stdout.length, 2_000_000);
  const save = await sandbox(['save', 'lab/busybox']);
  t.is(save.code, 0);
  t.true(save.stdout.length > 1_000_000);
  t.is(save.stdout, (await sandbox(['save', 'lab/busybox'], { SANDBOX_NO_BUNDLE: '1' })).stdout);
});

it("the code caches are the user's own: a 0700 directory of 0600 files, one per command, left by a run of the command itself", async (t) => {
  const dir = join(home.env.XDG_CACHE_HOME!, 'sandbox', 'v8');
  const caches = (prefix: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith(prefix)) : []);
  // help never loads the command's code: a cache written then would hold none of it
  t.is((await sandbox(['top', '--help'])).code, 0);
  t.deepEqual(caches('top-v'), []);
  for (let i = 0; i < 2; i++) t.is((await sandbox(['ps'])).code, 0);
  t.is(statSync(dir).mode & 0o777, 0o700);
  const ps = caches('ps-v');
  t.is(ps.length, 1, ps.join(' '));
  t.is(statSync(join(dir, ps[0]!)).mode & 0o777, 0o600);
  t.is(statSync(join(dir, ps[0]!)).uid, process.getuid!());
});
