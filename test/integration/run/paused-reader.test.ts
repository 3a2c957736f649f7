// A foreground run whose caller stops reading its output for a while (`sandbox run ... | less`
// waiting at a page, a terminal stopped with ^S): only that stream's container side waits (its
// pipe fills, as docker's does). The monitor's loop goes on serving the rest: the other stream
// (stderr), the container's default network (libslirp lives in the same loop) and its
// healthchecks. Once the reader reads again, everything arrives, in order, and the run ends with
// the container's code. The paused reader is a shell pipe whose reader waits for a gate file.
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSandboxHome, runSandbox, sandboxBin, type SandboxHome } from '../../helpers/cli.js';
import { needs } from '../../helpers/facility.js';
import { fixtures } from '../../helpers/fixtures.js';

const RUNTIME = ['fixtures', 'cli', 'monitor', 'subids', 'newidmap', 'userns', 'unprivileged', 'tun'] as const;
const it = needs(test, [...RUNTIME], 'runs real containers with a network as an unprivileged user');

let home: SandboxHome;
let server: Server | undefined;
let port = 0;
let gates = '';
test.before(async () => {
  if (!existsSync(process.env.SANDBOX_FIXTURES ?? '/nonexistent')) return;
  home = await makeSandboxHome();
  const r = await runSandbox(['load', '-i', fixtures().busybox.ociArchive], { env: home.env });
  if (r.code !== 0) throw new Error(`load failed: ${r.stderr}`);
  gates = await mkdtemp(join(tmpdir(), 'paused-reader-'));
  // Only on 127.0.0.1: the container reaches it as 10.0.2.2 (allow_host_loopback), through
  // libslirp in the monitor's loop.
  server = createServer((req, res) => res.end(`pong ${req.url}\n`));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
test.after.always(async () => {
  server?.close();
  if (gates) await rm(gates, { recursive: true, force: true });
  await home?.cleanup();
});

const sandbox = (...args: string[]) => runSandbox(args, { env: home.env });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const name = () => `c${Math.random().toString(36).slice(2, 10)}`;
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Poll until `fn` is true (never a timed assertion: the test asserts after, on what it sees). */
async function until(fn: () => boolean | Promise<boolean>, ms = 60_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (await fn()) return true;
  return false;
}

/**
 * `sandbox run ARGS | reader`, where the reader reads nothing until `gate` exists, then counts
 * the bytes and keeps the last line. The line's stderr is watched as it comes.
 */
function pausedPipe(args: string[], gate: string) {
  const cli = `${q(process.execPath)} -- ${q(sandboxBin)}`;
  const reader = `{ while [ ! -e ${q(gate)} ]; do sleep 0.1; done; wc -c; }`;
  const line = `${cli} ${args.map(q).join(' ')} | ${reader}; echo "status \${PIPESTATUS[0]}"`;
  const child = spawn('bash', ['-c', line], { env: home.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const seen = { stdout: '', stderr: '' };
  child.stdout.on('data', (b: Buffer) => (seen.stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (seen.stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, seen, exited };
}

const health = async (ref: string) => (await sandbox('inspect', '--format={{.State.Health.Status}}', ref)).stdout.trim();

// 3 MB of stdout: far more than the container's pipe, the monitor's queue and the reader's pipe
// hold together, so the writer stays blocked until the reader reads.
const BIG = 3_000_000;

it('a paused stdout reader: stderr, the network and healthchecks go on; all of stdout arrives once it reads', async (t) => {
  const n = name();
  const gate = join(gates, n);
  const script =
    `head -c ${BIG} /dev/zero & ` +
    // stdout is full by now (the reader is paused); stderr and the network must still work
    `sleep 1; echo err-line >&2; wget -qO- http://10.0.2.2:${port}/one >&2; echo err-after-net >&2; ` +
    `wait; echo out-end`;
  const run = pausedPipe(
    ['run', '--name', n, '--network', 'slirp4netns:allow_host_loopback=true', '--health-cmd', 'true', '--health-interval', '1s',
      'lab/busybox', 'sh', '-c', script],
    gate,
  );
  try {
    t.true(await until(() => run.seen.stderr.includes('err-after-net\n')), `stderr so far: ${run.seen.stderr}`);
    t.is(run.seen.stderr, 'err-line\npong /one\nerr-after-net\n');
    t.true(await until(async () => (await health(n)) === 'healthy'), `health: ${await health(n)}`);
    t.is(run.seen.stdout, '', 'the reader has read nothing yet');
  } finally {
    await writeFile(gate, '');
  }
  t.is(await run.exited, 0);
  t.is(run.seen.stdout, `${BIG + 'out-end\n'.length}\nstatus 0\n`);
  const logs = await sandbox('logs', n);
  t.is(logs.stderr, 'err-line\npong /one\nerr-after-net\n');
  t.true(logs.stdout.endsWith('\0out-end\n'));
  await sandbox('rm', '-f', n);
});

it('run -t with a paused reader: the network goes on, and the terminal output all arrives once it reads', async (t) => {
  const n = name();
  const gate = join(gates, n);
  const script = `head -c ${BIG} /dev/zero & sleep 1; wget -qO- http://10.0.2.2:${port}/tty > /tmp/got; wait; cat /tmp/got; echo tty-end`;
  const run = pausedPipe(['run', '--name', n, '-t', '--network', 'slirp4netns:allow_host_loopback=true', 'lab/busybox', 'sh', '-c', script], gate);
  try {
    // The container's request reached the server while nobody read its terminal.
    t.true(await until(async () => (await sandbox('exec', n, 'cat', '/tmp/got')).stdout === 'pong /tty\n'));
  } finally {
    await writeFile(gate, '');
  }
  t.is(await run.exited, 0);
  t.is(run.seen.stdout, `${BIG + 'pong /tty\r\ntty-end\r\n'.length}\nstatus 0\n`, run.seen.stderr);
  await sandbox('rm', '-f', n);
});

it('a reader that goes away while the output is queued still ends the run (`| head -c`)', async (t) => {
  const cli = `${q(process.execPath)} -- ${q(sandboxBin)}`;
  const n = name();
  const child = spawn('bash', ['-c', `${cli} run --name ${n} lab/busybox sh -c 'yes; exit $?' | head -c 300000 | wc -c`], {
    env: home.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  await new Promise((resolve) => child.once('close', resolve));
  t.is(out, '300000\n');
  // The closed pipe reaches `yes` (SIGPIPE: 128 + 13, as in any shell pipeline).
  t.is((await sandbox('inspect', '-f', '{{.State.ExitCode}}', n)).stdout, '141\n');
  await sandbox('rm', '-f', n);
});
