// stdout and stderr in the order they were written, where a user sees them merged: `run ...
// 2>&1 | reader` (one pipe for both, or one terminal), and `logs ID 2>&1`. Across two pipes
// that order is only known by when the monitor found the data there, so each test has the
// container wait until the monitor has logged one write before it makes the next (gates set
// through `exec` or a volume), and has the last writes come just before the container ends, so
// they go through the monitor's final drain and its last flush to the caller.
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { runSandbox, sandboxBin } from '../../helpers/cli.js';
import { useBusyboxHome } from '../../helpers/busybox-home.js';
import { needs } from '../../helpers/facility.js';

const RUNTIME = ['fixtures', 'cli', 'monitor', 'subids', 'newidmap', 'userns', 'unprivileged'] as const;
const it = needs(test, [...RUNTIME], 'runs real containers as an unprivileged user');

const home = useBusyboxHome(test);

const sandbox = (...args: string[]) => runSandbox(args, { env: home.env });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const name = () => `c${Math.random().toString(36).slice(2, 10)}`;
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Poll until `fn` is true; giving up says so (the test asserts after, on what it sees). */
async function until(what: string, fn: () => Promise<boolean>, ms = 60_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (await fn()) return;
  throw new Error(`not seen within ${ms / 1000} s: ${what}`);
}

/** A shell line, as a user types it (`sandbox` is this CLI), started now. */
function shell(line: string) {
  const cli = `${q(process.execPath)} -- ${q(sandboxBin)}`;
  const child = spawn('sh', ['-c', `sandbox() { ${cli} "$@"; }; ${line}`], { env: home.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const logged = (ref: string, stream: 'stdout' | 'stderr', text: string) =>
  until(`${text.trim()} in the log`, async () => (await sandbox('logs', ref))[stream].includes(text));
/** Wait for GATE (a file in the container) before going on. */
const gate = (path: string) => `while [ ! -e ${path} ]; do sleep 0.05; done`;

it('run -d: `logs 2>&1` has stdout and stderr in the order they were written, the last ones too', async (t) => {
  const n = name();
  const script = `echo a; ${gate('/tmp/g1')}; echo b >&2; ${gate('/tmp/g2')}; echo c; echo d >&2`;
  t.is((await sandbox('run', '-d', '--name', n, 'lab/busybox', 'sh', '-c', script)).code, 0);
  await logged(n, 'stdout', 'a\n');
  await sandbox('exec', n, 'touch', '/tmp/g1');
  await logged(n, 'stderr', 'b\n');
  await sandbox('exec', n, 'touch', '/tmp/g2');
  t.is((await sandbox('wait', n)).stdout, '0\n');
  const merged = await shell(`sandbox logs ${n} 2>&1`);
  t.is(merged.stdout, 'a\nb\nc\nd\n', merged.stderr);
  const logs = await sandbox('logs', n);
  t.is(logs.stdout, 'a\nc\n');
  t.is(logs.stderr, 'b\nd\n');
  await sandbox('rm', n);
});

it('a foreground run into one pipe (2>&1) keeps the order of the two streams', async (t) => {
  const n = name();
  const script = `echo a; ${gate('/tmp/g1')}; echo b >&2; ${gate('/tmp/g2')}; echo c`;
  const run = shell(`sandbox run --name ${n} lab/busybox sh -c ${q(script)} 2>&1 | cat`);
  await logged(n, 'stdout', 'a\n');
  await sandbox('exec', n, 'touch', '/tmp/g1');
  await logged(n, 'stderr', 'b\n');
  await sandbox('exec', n, 'touch', '/tmp/g2');
  const r = await run;
  t.is(r.stdout, 'a\nb\nc\n', r.stderr);
  t.is(r.code, 0);
  await sandbox('rm', n);
});

it('a paused reader of both streams (2>&1) gets them in order once it reads, after the container ended', async (t) => {
  // 100 kB of stdout fills the reader's pipe; the rest waits in the monitor's queue for the
  // caller, and so do err1 and out2, written after it. The reader starts only once the
  // container is done: everything comes out of that queue, at the monitor's last flush.
  const n = name();
  const dir = join(home.root, n);
  await mkdir(dir, { mode: 0o700 });
  const script = `head -c 100000 /dev/zero | tr '\\0' x; echo; echo err1 >&2; ${gate('/x/go')}; echo out2; touch /x/done`;
  const reader = `{ while [ ! -e ${q(join(dir, 'done'))} ]; do sleep 0.05; done; cat; }`;
  const run = shell(`sandbox run --name ${n} -v ${q(dir)}:/x lab/busybox sh -c ${q(script)} 2>&1 | ${reader}`);
  await logged(n, 'stderr', 'err1\n');
  await sandbox('exec', n, 'touch', '/x/go');
  const r = await run;
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout.length, 100_000 + '\nerr1\nout2\n'.length);
  t.true(r.stdout.endsWith('x\nerr1\nout2\n'), `the end: ${JSON.stringify(r.stdout.slice(-20))}`);
  t.is(r.stdout.indexOf('err1'), 100_001);
  await sandbox('rm', n);
});
