// Two things docker does that users rely on (issue 5): a container started with -i keeps its
// stdin open for whoever attaches (`run -d -i IMAGE cat`, then `echo hello | attach`), and a
// -t container's output is in `logs` whatever was attached, including after the caller of a
// foreground `run -it` detached from it with the detach keys.
import test from 'ava';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { runSandbox } from '../../helpers/cli.js';
import { useBusyboxHome } from '../../helpers/busybox-home.js';
import { needs } from '../../helpers/facility.js';
import { cliWords as cli, inTerminal, quote, type TypedKeys } from '../../helpers/terminal.js';

const RUNTIME = ['fixtures', 'cli', 'monitor', 'subids', 'newidmap', 'userns', 'unprivileged'] as const;
const it = needs(test, [...RUNTIME], 'runs real containers as an unprivileged user');

const home = useBusyboxHome(test);

const sandbox = (...args: string[]) => runSandbox(args, { env: home.env });
const withInput = (input: string, ...args: string[]) => runSandbox(args, { env: home.env, input });
const term = (line: string, keys: TypedKeys[] = []) => inTerminal(home.env, line, keys);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const name = () => `c${Math.random().toString(36).slice(2, 10)}`;
const stdinConfig = '{{.Config.OpenStdin}} {{.Config.StdinOnce}} {{.Config.AttachStdin}}';

async function runD(...args: string[]): Promise<string> {
  const r = await sandbox('run', '-d', ...args);
  if (r.code !== 0) throw new Error(`run -d failed (${r.code}): ${r.stderr}`);
  return r.stdout.trim();
}

async function statusOf(ref: string): Promise<string> {
  const r = await sandbox('ps', '-a', '--no-trunc', '--format', '{{.ID}}\t{{.Names}}\t{{.Status}}');
  return r.stdout.split('\n').map((l) => l.split('\t')).find((f) => f[0] === ref || f[1] === ref)?.[2] ?? '';
}

/** Poll until `fn` is true (never a timed assertion: the test asserts after, on what it sees). */
async function until(fn: () => Promise<boolean>, ms = 15_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (await fn()) return;
}

const logsHave = (ref: string, text: string) => until(async () => (await sandbox('logs', ref)).stdout.includes(text));

/** The container's monitor (its init's parent) and how many sockets it holds: an attach client's
 *  connection is one more. */
async function monitorSockets(ref: string): Promise<() => number> {
  const pid = (await sandbox('inspect', '-f', '{{.State.Pid}}', ref)).stdout.trim();
  const ppid = /^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1];
  return () => readdirSync(`/proc/${ppid}/fd`).filter((fd) => { try { return readlinkSync(`/proc/${ppid}/fd/${fd}`).startsWith('socket:'); } catch { return false; } }).length;
}

it('run -d -i: `echo hello | attach` reaches the command; its stdin stays open for the next client; attach ends with the container', async (t) => {
  const id = await runD('-i', 'lab/busybox', 'cat');
  t.is((await sandbox('inspect', '-f', stdinConfig, id)).stdout, 'true false false\n');
  // Our input ends, the container's stdin does not (docker's StdinOnce=false): cat runs on and
  // the client stays attached until the container stops.
  const first = withInput('hello\n', 'attach', id);
  await logsHave(id, 'hello\n');
  t.regex(await statusOf(id), /^Up /);
  const second = withInput('again\n', 'attach', id);
  await logsHave(id, 'again\n');
  t.regex(await statusOf(id), /^Up /);
  t.is((await sandbox('kill', id)).code, 0);
  const [a, b] = await Promise.all([first, second]);
  // One client at a time: the second replaced the first, which saw what came before it.
  t.is(a.stdout, 'hello\n', a.stderr);
  t.is(b.stdout, 'again\n', b.stderr);
  t.is(b.code, 137);
  t.is((await sandbox('logs', id)).stdout, 'hello\nagain\n');
  await sandbox('rm', id);
});

it('run -d without -i: stdin is empty at once, and an attach client\'s input goes nowhere', async (t) => {
  const id = await runD('lab/busybox', 'cat');
  t.is((await sandbox('wait', id)).stdout, '0\n');
  t.is((await sandbox('inspect', '-f', stdinConfig, id)).stdout, 'false false false\n');
  const sleeper = await runD('lab/busybox', 'sh', '-c', 'read x; echo got-$x; sleep 100');
  const sockets = await monitorSockets(sleeper);
  const before = sockets();
  const attaching = withInput('typed\n', 'attach', sleeper);
  // read gets EOF (its stdin is /dev/null): the command goes on without our input.
  await logsHave(sleeper, 'got-\n');
  // The kill below must find the client attached (else attach refuses a stopped container, 125).
  await until(async () => sockets() > before, 60_000);
  t.is((await sandbox('logs', sleeper)).stdout, 'got-\n');
  await sandbox('kill', sleeper);
  t.is((await attaching).code, 137);
  await sandbox('rm', id, sleeper);
});

it('create -i, start -ai: our input, then its end, reach the command (StdinOnce); the exit code is the container\'s', async (t) => {
  const id = (await sandbox('create', '-i', 'lab/busybox', 'sh', '-c', 'cat; echo done >&2; exit 4')).stdout.trim();
  t.is((await sandbox('inspect', '-f', stdinConfig, id)).stdout, 'true true true\n');
  const r = await withInput('a\nb\n', 'start', '-ai', id);
  t.is(r.code, 4, r.stderr);
  t.is(r.stdout, 'a\nb\n');
  t.is(r.stderr, 'done\n');
  const again = await withInput('c\n', 'start', '-ai', id);
  t.is(again.stdout, 'c\n');
  t.is(again.code, 4);
  await sandbox('rm', id);
});

it('run -i in the foreground still reads our stdin to its end', async (t) => {
  const r = await withInput('x\ny\n', 'run', '--rm', '-i', 'lab/busybox', 'sh', '-c', 'cat; exit 5');
  t.is(r.code, 5, r.stderr);
  t.is(r.stdout, 'x\ny\n');
});

it('run -it, detached with the keys: logs has the output from before and after the detach', async (t) => {
  const n = name();
  const script = 'echo before-$((1+1)); read x; echo got-$x; while [ ! -e /tmp/go ]; do sleep 0.1; done; echo after-detach; sleep 100';
  const r = await term(`${cli} run -it --name ${n} lab/busybox sh -c ${quote(script)}`, [
    { after: /before-2/, keys: 'typed\r' },
    { after: /got-typed/, keys: '\x10\x11' },
  ]);
  t.is(r.code, 0, r.screen);
  t.notRegex(r.screen, /after-detach/);
  t.regex(await statusOf(n), /^Up /);
  t.is((await sandbox('exec', n, 'touch', '/tmp/go')).code, 0);
  await logsHave(n, 'after-detach');
  // The terminal's output, as the caller saw it (its echo of the keys too), then what followed.
  t.is((await sandbox('logs', n)).stdout, 'before-2\r\ntyped\r\ngot-typed\r\nafter-detach\r\n');
  t.is((await sandbox('inspect', '-f', '{{.HostConfig.LogConfig.Type}}', n)).stdout, 'k8s-file\n');
  await sandbox('rm', '-f', n);
});

it('run -it that ends in the foreground: its code, and its output in logs', async (t) => {
  const n = name();
  const r = await term(`${cli} run -it --name ${n} lab/busybox sh`, [{ after: /# /, keys: 'echo in-$((3*3))\r' }, { after: /# /, keys: 'exit 7\r' }]);
  t.is(r.code, 7, r.screen);
  t.regex(r.screen, /^in-9\r*$/m);
  t.regex((await sandbox('logs', n)).stdout, /^in-9\r*$/m);
  await sandbox('rm', n);
});

it('run -t: shown and logged alike, in the foreground and with -d', async (t) => {
  const n = name();
  const fg = await sandbox('run', '-t', '--name', n, 'lab/busybox', 'sh', '-c', 'echo one; echo two >&2; exit 3');
  t.is(fg.code, 3, fg.stderr);
  t.is(fg.stdout, 'one\r\ntwo\r\n');
  t.is((await sandbox('logs', n)).stdout, 'one\r\ntwo\r\n');
  const id = await runD('-t', 'lab/busybox', 'sh', '-c', 'echo three; echo four >&2');
  t.is((await sandbox('wait', id)).stdout, '0\n');
  t.is((await sandbox('logs', id)).stdout, 'three\r\nfour\r\n');
  // -t alone is no -i: docker's Config says so.
  t.is((await sandbox('inspect', '-f', stdinConfig, id)).stdout, 'false false false\n');
  await sandbox('rm', n, id);
});

it('run -t --log-driver none: shown, not kept', async (t) => {
  const n = name();
  const fg = await sandbox('run', '-t', '--name', n, '--log-driver', 'none', 'lab/busybox', 'echo', 'shown');
  t.is(fg.stdout, 'shown\r\n');
  const logs = await sandbox('logs', n);
  t.is(logs.code, 1);
  t.is(logs.stderr, 'sandbox: configured logging driver does not support reading\n');
  await sandbox('rm', n);
});

it('attach from a terminal to a run -d -i container: typed lines reach it, ^D keeps it running, ^C stops it (--sig-proxy)', async (t) => {
  // --init: cat is not pid 1, so SIGINT ends it as it would end it outside a container.
  const id = await runD('-i', '--init', 'lab/busybox', 'cat');
  const r = await term(`${cli} attach ${id}`, ['line-one\r', { after: /line-one\r?\n.*line-one/s, keys: '\x04' }, '\x03']);
  t.is(r.code, 130, r.screen);
  // The terminal's echo, then cat's copy.
  t.regex(r.screen, /line-one\r?\n(.*\n)?line-one/);
  t.regex(await statusOf(id), /^Exited \(130\)/);
  t.is((await sandbox('logs', id)).stdout, 'line-one\n');
  await sandbox('rm', id);
});
