// A foreground `run` without -t is logged, as docker logs every container (issue 5): the caller
// sees stdout on its stdout and stderr on its stderr, byte for byte, with the container's exit
// code, and `logs` has both afterwards. `run --rm` without --log-driver keeps the container on
// the caller's stdio directly (nothing could read its log), --log-driver none logs nothing.
import test from 'ava';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runSandbox, sandboxBin } from '../../helpers/cli.js';
import { useBusyboxHome } from '../../helpers/busybox-home.js';
import { needs } from '../../helpers/facility.js';

const RUNTIME = ['fixtures', 'cli', 'monitor', 'subids', 'newidmap', 'userns', 'unprivileged'] as const;
const it = needs(test, [...RUNTIME], 'runs real containers as an unprivileged user');

const home = useBusyboxHome(test);

const sandbox = (...args: string[]) => runSandbox(args, { env: home.env });
const withInput = (input: string, ...args: string[]) => runSandbox(args, { env: home.env, input });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const name = () => `c${Math.random().toString(36).slice(2, 10)}`;
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Poll until `fn` is true (never a timed assertion: the test asserts after, on what it sees). */
// Generous: the whole suite runs files side by side on 2 CPUs (and on the FUSE overlay when
// SANDBOX_STORAGE_DRIVER says so). Giving up says so, instead of going on with a step undone.
async function until(fn: () => Promise<boolean>, ms = 60_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (await fn()) return;
  throw new Error(`not seen within ${ms / 1000} s`);
}

async function statusOf(ref: string): Promise<string> {
  const r = await sandbox('ps', '-a', '--no-trunc', '--format', '{{.Names}}\t{{.Status}}');
  return r.stdout.split('\n').map((l) => l.split('\t')).find((f) => f[0] === ref)?.[1] ?? '';
}

/** A shell line, as a user types it: `sandbox` is this CLI. */
function shell(line: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = `${q(process.execPath)} -- ${q(sandboxBin)}`;
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', `sandbox() { ${cli} "$@"; }; ${line}`], { env: home.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The CLI as a child we can signal, with what it printed so far. */
function startCli(args: string[]) {
  const child = spawn(process.execPath, ['--', sandboxBin, ...args], { env: home.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const seen = { stdout: '', stderr: '' };
  child.stdout.on('data', (b: Buffer) => (seen.stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (seen.stderr += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, seen, exited };
}

it('run without -t: stdout and stderr apart, the exit code, and both in logs afterwards, as docker shows them', async (t) => {
  const n = name();
  const r = await sandbox('run', '--name', n, 'lab/busybox', 'sh', '-c', 'echo out; echo err >&2; echo out2; exit 3');
  t.is(r.code, 3, r.stderr);
  t.is(r.stdout, 'out\nout2\n');
  t.is(r.stderr, 'err\n');
  const logs = await sandbox('logs', n);
  t.is(logs.code, 0);
  t.is(logs.stdout, 'out\nout2\n');
  t.is(logs.stderr, 'err\n');
  // `logs x 2>/dev/null` shows only stdout
  t.is((await shell(`sandbox logs ${n} 2>/dev/null`)).stdout, 'out\nout2\n');
  const inspect = await sandbox('inspect', '-f', '{{.LogPath}} {{.HostConfig.LogConfig.Type}}', n);
  t.regex(inspect.stdout, /\/ctr\.log k8s-file\n$/);
  t.true(existsSync(inspect.stdout.split(' ')[0]!));
  t.is((await sandbox('rm', n)).code, 0);
});

it('many lines keep their order on the caller\'s side and in logs', async (t) => {
  const n = name();
  const r = await sandbox('run', '--name', n, 'lab/busybox', 'seq', '1', '30000');
  const expected = Array.from({ length: 30000 }, (_, i) => `${i + 1}\n`).join('');
  t.is(r.code, 0, r.stderr);
  t.true(r.stdout === expected, 'stdout is seq 1 30000');
  t.true((await sandbox('logs', n)).stdout === expected, 'logs is seq 1 30000');
  await sandbox('rm', n);
});

it('`run IMAGE cat big > file` is byte-exact (a few MiB of random bytes)', async (t) => {
  const n = name();
  const file = join(home.root, `${n}.bin`);
  const out = await open(file, 'w', 0o600);
  // The command prints the md5 of what it then writes to stdout.
  const script = 'head -c 5000000 /dev/urandom > /tmp/big; md5sum < /tmp/big >&2; cat /tmp/big';
  const child = spawn(process.execPath, ['--', sandboxBin, 'run', '--name', n, 'lab/busybox', 'sh', '-c', script], { env: home.env, stdio: ['ignore', out.fd, 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  await out.close();
  t.is(code, 0, stderr);
  const bytes = await readFile(file);
  t.is(bytes.length, 5_000_000);
  t.is(`${createHash('md5').update(bytes).digest('hex')}  -\n`, stderr);
  await sandbox('rm', n);
});

it('`run IMAGE yes | head -1` ends: the closed pipe reaches the command as it would without a relay', async (t) => {
  const n = name();
  const r = await shell(`sandbox run --name ${n} lab/busybox yes | head -1; echo "head: $?"; sandbox run --rm lab/busybox yes | head -1; echo "rm: $?"`);
  // yes is pid 1 of its namespace, which the kernel's SIGPIPE doesn't kill: it sees EPIPE and
  // exits 1, relayed (logged) or not (--rm: the caller's pipe itself).
  t.is(r.stdout, 'y\nhead: 0\ny\nrm: 0\n', r.stderr);
  t.is((await sandbox('inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', n)).stdout, 'exited 1\n');
  const sub = name();
  const r2 = await shell(`sandbox run --name ${sub} lab/busybox sh -c 'yes; exit $?' | head -1`);
  t.is(r2.stdout, 'y\n', r2.stderr);
  // Not pid 1: SIGPIPE, as in any shell pipeline (128 + 13).
  t.is((await sandbox('inspect', '-f', '{{.State.ExitCode}}', sub)).stdout, '141\n');
  t.true((await sandbox('logs', n)).stdout.startsWith('y\ny\n'));
  await sandbox('rm', n, sub);
});

it('-a stdout / -a stderr: only that stream is shown; logs has both', async (t) => {
  const script = 'echo out; echo err >&2';
  const a = name();
  const r1 = await sandbox('run', '-a', 'stdout', '--name', a, 'lab/busybox', 'sh', '-c', script);
  t.is(r1.code, 0, r1.stderr);
  t.is(r1.stdout, 'out\n');
  t.is(r1.stderr, '');
  const b = name();
  const r2 = await sandbox('run', '-a', 'stderr', '--name', b, 'lab/busybox', 'sh', '-c', script);
  t.is(r2.stdout, '');
  t.is(r2.stderr, 'err\n');
  for (const c of [a, b]) {
    const logs = await sandbox('logs', c);
    t.is(logs.stdout, 'out\n');
    t.is(logs.stderr, 'err\n');
  }
  await sandbox('rm', a, b);
});

it('stdin: empty without -i, ours to its end with -i; what the command prints of it is logged', async (t) => {
  const a = name();
  const r1 = await withInput('typed\n', 'run', '--name', a, 'lab/busybox', 'sh', '-c', 'cat; echo end');
  t.is(r1.stdout, 'end\n', r1.stderr);
  const b = name();
  const r2 = await withInput('x\ny\n', 'run', '-i', '--name', b, 'lab/busybox', 'sh', '-c', 'cat; exit 5');
  t.is(r2.code, 5, r2.stderr);
  t.is(r2.stdout, 'x\ny\n');
  t.is((await sandbox('logs', b)).stdout, 'x\ny\n');
  await sandbox('rm', a, b);
});

it('--sig-proxy: a TERM to the CLI reaches the command; with --sig-proxy=false it does not', async (t) => {
  const script = 'trap "echo got-term; exit 4" TERM; echo ready; while true; do sleep 0.1; done';
  const a = name();
  const run = startCli(['run', '--name', a, 'lab/busybox', 'sh', '-c', script]);
  await until(async () => run.seen.stdout.includes('ready'));
  run.child.kill('SIGTERM');
  const end = await run.exited;
  t.is(end.code, 4, run.seen.stderr);
  await until(async () => run.seen.stdout.includes('got-term'));
  t.is(run.seen.stdout, 'ready\ngot-term\n');
  t.is((await sandbox('logs', a)).stdout, 'ready\ngot-term\n');

  const b = name();
  const kept = startCli(['run', '--sig-proxy=false', '--name', b, 'lab/busybox', 'sh', '-c', script]);
  await until(async () => kept.seen.stdout.includes('ready'));
  kept.child.kill('SIGTERM');
  await sleep(300);
  t.regex(await statusOf(b), /^Up /);
  t.is((await sandbox('kill', b)).code, 0);
  t.is((await kept.exited).code, 137);
  t.is(kept.seen.stdout, 'ready\n');
  await sandbox('rm', a, b);
});

it('a reader that does not read holds the output back, not the signals: TERM still reaches the command', async (t) => {
  const n = name();
  const out = join(home.root, n);
  await mkdir(out, { mode: 0o700 });
  // Output without end in the background; TERM (trapped, so pid 1 takes it) ends the wait.
  const script = 'trap "touch /out/got-term; exit 9" TERM; yes & wait';
  const child = spawn(process.execPath, ['--', sandboxBin, 'run', '--name', n, '-v', `${out}:/out`, 'lab/busybox', 'sh', '-c', script], { env: home.env, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  // Nobody reads our end: the pipe fills, and the monitor waits to write to it.
  await until(async () => (await statusOf(n)).startsWith('Up'));
  await sleep(500);
  child.kill('SIGTERM');
  await until(async () => existsSync(join(out, 'got-term')));
  t.true(existsSync(join(out, 'got-term')), 'the trap ran while our stdout was full');
  child.stdout.resume();
  t.is(await exited, 9);
  await sandbox('rm', n);
});

it('an endless stdout does not hold stderr back', async (t) => {
  const n = name();
  const child = spawn(process.execPath, ['--', sandboxBin, 'run', '--name', n, 'lab/busybox', 'sh', '-c', 'yes & sleep 0.5; echo marker >&2; wait'], { env: home.env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await until(async () => stderr.includes('marker'), 30_000);
  t.is(stderr, 'marker\n');
  t.is((await sandbox('kill', n)).code, 0);
  t.is(await exited, 137);
  await sandbox('rm', n);
});

it('SIGKILL of the CLI: the container runs on under its monitor, its end and its whole output are recorded', async (t) => {
  const n = name();
  const run = startCli(['run', '--name', n, 'lab/busybox', 'sh', '-c', 'echo one; while [ ! -e /tmp/go ]; do sleep 0.1; done; echo two; exit 6']);
  await until(async () => run.seen.stdout.includes('one'));
  run.child.kill('SIGKILL');
  await run.exited;
  t.regex(await statusOf(n), /^Up /);
  t.is((await sandbox('exec', n, 'touch', '/tmp/go')).code, 0);
  t.is((await sandbox('wait', n)).stdout, '6\n');
  t.regex(await statusOf(n), /^Exited \(6\) /);
  t.is((await sandbox('logs', n)).stdout, 'one\ntwo\n');
  await sandbox('rm', n);
});

it('run --rm keeps the caller\'s stdio (no log: nothing could read it); --rm --log-driver k8s-file logs', async (t) => {
  const script = 'echo early; while [ ! -e /tmp/go ]; do sleep 0.1; done; echo late';
  const a = name();
  const plain = startCli(['run', '--rm', '--name', a, 'lab/busybox', 'sh', '-c', script]);
  await until(async () => plain.seen.stdout.includes('early'));
  t.is((await sandbox('inspect', '-f', '{{.LogPath}}|{{.HostConfig.LogConfig.Type}}', a)).stdout, '|none\n');
  t.is((await sandbox('logs', a)).stdout, '');
  await sandbox('exec', a, 'touch', '/tmp/go');
  t.is((await plain.exited).code, 0);
  t.is(plain.seen.stdout, 'early\nlate\n');

  const b = name();
  const logged = startCli(['run', '--rm', '--log-driver', 'k8s-file', '--name', b, 'lab/busybox', 'sh', '-c', script]);
  await until(async () => logged.seen.stdout.includes('early'));
  t.is((await sandbox('logs', b)).stdout, 'early\n');
  t.regex((await sandbox('inspect', '-f', '{{.LogPath}}', b)).stdout, /\/ctr\.log\n$/);
  await sandbox('exec', b, 'touch', '/tmp/go');
  t.is((await logged.exited).code, 0);
  t.is(logged.seen.stdout, 'early\nlate\n');
  // --rm removed both.
  t.is((await statusOf(a)) + (await statusOf(b)), '');
});

it('--log-driver none without -t: shown, not kept; exit codes as ever', async (t) => {
  const n = name();
  const r = await sandbox('run', '--log-driver', 'none', '--name', n, 'lab/busybox', 'sh', '-c', 'echo shown; echo err >&2; exit 2');
  t.is(r.code, 2);
  t.is(r.stdout, 'shown\n');
  t.is(r.stderr, 'err\n');
  const logs = await sandbox('logs', n);
  t.is(logs.code, 1);
  t.is(logs.stderr, 'sandbox: configured logging driver does not support reading\n');
  t.is((await sandbox('inspect', '-f', '{{.LogPath}}|{{.HostConfig.LogConfig.Type}}', n)).stdout, '|none\n');
  // A command that cannot run: docker's message and code, logged container or not.
  const m = name();
  const missing = await sandbox('run', '--name', m, 'lab/busybox', 'nosuchcmd');
  t.is(missing.code, 127);
  t.regex(missing.stderr, /nosuchcmd/);
  await sandbox('rm', n, m);
});
