// The reference's healthcheck example, run as written with sandbox for docker: the monitor runs
// the check inside the container; inspect and ps show starting -> healthy -> unhealthy, with
// FailingStreak and the last five results (Start, End, ExitCode, Output).
import test from 'ava';
import { existsSync } from 'node:fs';
import { makeSandboxHome, runSandbox, type SandboxHome } from '../../helpers/cli.js';
import { needs } from '../../helpers/facility.js';
import { fixtures } from '../../helpers/fixtures.js';

const RUNTIME = ['fixtures', 'cli', 'monitor', 'subids', 'newidmap', 'userns', 'unprivileged'] as const;
const it = needs(test, [...RUNTIME], 'runs real containers as an unprivileged user');

let home: SandboxHome;
test.before(async () => {
  if (!existsSync(process.env.SANDBOX_FIXTURES ?? '/nonexistent')) return;
  home = await makeSandboxHome();
  for (const a of [fixtures().busybox.ociArchive, fixtures().busyboxApp.dockerArchive]) {
    const r = await runSandbox(['load', '-i', a], { env: home.env });
    if (r.code !== 0) throw new Error(`load failed: ${r.stderr}`);
  }
});
test.after.always(async () => {
  await home?.cleanup();
});

const sandbox = (...args: string[]) => runSandbox(args, { env: home.env });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it("the reference's healthcheck example: healthy, then unhealthy with FailingStreak 3 and the results", async (t) => {
  const run = await sandbox('run', '-d', '--health-cmd=stat /etc/passwd || exit 1', '--health-interval=1s', 'lab/busybox', 'sleep', '1d');
  t.is(run.code, 0, run.stderr);
  const id = run.stdout.trim();
  t.regex((await sandbox('ps', '--filter', `id=${id}`, '--format', '{{.Status}}')).stdout, /^Up .* \(health: starting\)\n$/);
  await sleep(1500);
  t.is((await sandbox('inspect', '--format={{.State.Health.Status}}', id)).stdout, 'healthy\n');
  t.regex((await sandbox('ps', '--filter', `id=${id}`, '--format', '{{.Status}}')).stdout, /^Up .* \(healthy\)\n$/);
  t.is((await sandbox('exec', id, 'rm', '/etc/passwd')).code, 0);
  await sleep(3800);
  const h = JSON.parse((await sandbox('inspect', '--format={{json .State.Health}}', id)).stdout) as {
    Status: string;
    FailingStreak: number;
    Log: { Start: string; End: string; ExitCode: number; Output: string }[];
  };
  t.is(h.Status, 'unhealthy');
  t.true(h.FailingStreak >= 3);
  t.true(h.Log.length >= 4 && h.Log.length <= 5);
  t.deepEqual(Object.keys(h.Log[0]!), ['Start', 'End', 'ExitCode', 'Output']);
  t.is(h.Log[0]!.ExitCode, 0);
  t.regex(h.Log[0]!.Output, /^ {2}File: \/etc\/passwd\n/);
  const last = h.Log[h.Log.length - 1]!;
  t.is(last.ExitCode, 1);
  t.is(last.Output, "stat: can't stat '/etc/passwd': No such file or directory\n");
  t.regex(last.Start, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  t.true(last.End >= last.Start);
  t.is((await sandbox('ps', '-q', '--filter', 'health=unhealthy', '--filter', `id=${id}`)).stdout, `${id.slice(0, 12)}\n`);
  await sandbox('rm', '-f', id);
});

it("the image's HEALTHCHECK is used unless --no-healthcheck; --no-healthcheck with --health-cmd is refused", async (t) => {
  const a = (await sandbox('run', '-d', 'lab/busybox-app', 'sleep', '100')).stdout.trim();
  t.is((await sandbox('inspect', '--format={{json .Config.Healthcheck.Test}} {{.State.Health.Status}}', a)).stdout, '["CMD-SHELL","true"] starting\n');
  const b = (await sandbox('run', '-d', '--no-healthcheck', 'lab/busybox-app', 'sleep', '100')).stdout.trim();
  t.is((await sandbox('inspect', '--format={{.State.Health}}', b)).stdout, '<no value>\n');
  const bad = await sandbox('run', '-d', '--no-healthcheck', '--health-cmd', 'true', 'lab/busybox', 'true');
  t.is(bad.code, 125);
  t.is(bad.stderr, 'sandbox: --no-healthcheck conflicts with --health-* options\n');
  await sandbox('rm', '-f', a, b);
});
