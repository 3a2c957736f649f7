// Attach and detach as a user sees them (issue 5, and run --detach-keys of issue 4): ^C on an
// attached client stops the container (--sig-proxy) as in the reference's nginx example, here
// with busybox httpd; a foreground run -it can be left with the detach keys and attached to
// later; an attached client's window size reaches the container's terminal; run -d --rm
// removes the container when it ends, while `wait` still gets its code; rm -v; RestartCount;
// ps -s; logs --details.
import test from 'ava';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runSandbox } from '../../helpers/cli.js';
import { useBusyboxHome } from '../../helpers/busybox-home.js';
import { needs } from '../../helpers/facility.js';
import { cliWords as cli, inTerminal, type TypedKeys } from '../../helpers/terminal.js';

const RUNTIME = ['fixtures', 'cli', 'monitor', 'subids', 'newidmap', 'userns', 'unprivileged'] as const;
const it = needs(test, [...RUNTIME], 'runs real containers as an unprivileged user');

const home = useBusyboxHome(test);

const sandbox = (...args: string[]) => runSandbox(args, { env: home.env });
const term = (line: string, keys: TypedKeys[] = [], pauseMs?: number) => inTerminal(home.env, line, keys, pauseMs);
/** Typed at busybox sh's prompt. */
const atPrompt = (keys: string) => ({ after: /# /, keys });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const name = () => `c${Math.random().toString(36).slice(2, 10)}`;

async function runD(...args: string[]): Promise<string> {
  const r = await sandbox('run', '-d', ...args);
  if (r.code !== 0) throw new Error(`run -d failed (${r.code}): ${r.stderr}`);
  return r.stdout.trim();
}

async function statusOf(ref: string): Promise<string> {
  const r = await sandbox('ps', '-a', '--no-trunc', '--format', '{{.ID}}\t{{.Names}}\t{{.Status}}');
  return r.stdout.split('\n').map((l) => l.split('\t')).find((f) => f[0] === ref || f[1] === ref)?.[2] ?? '';
}

/** The volume mounted at /anon (its name is the directory above _data in the store). */
async function anonymousVolumeOf(id: string): Promise<string> {
  const src = (await sandbox('inspect', '-f', '{{range .Mounts}}{{if eq .Destination "/anon"}}{{.Source}}{{end}}{{end}}', id)).stdout.trim();
  return /\/volumes\/([0-9a-f]{64})\/_data$/.exec(src)?.[1] ?? '';
}

/** Poll until `fn` is true (never a timed assertion: the test asserts after, on what it sees). */
async function until(fn: () => Promise<boolean>, ms = 15_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (await fn()) return;
}

it('attach, then ^C: the signal goes to the container, which stops; attach ends with its code (the nginx example, with httpd)', async (t) => {
  // --init: httpd is not pid 1, so SIGINT ends it as it would end nginx (pid 1 ignores
  // signals it has no handler for).
  const id = await runD('--init', 'lab/busybox', 'httpd', '-f', '-v');
  const r = await term(`${cli} attach ${id}`, ['\x03']);
  t.is(r.code, 130, r.screen);
  t.regex(await statusOf(id), /^Exited \(130\)/);
  await sandbox('rm', id);
});

it('attach --sig-proxy=false: ^C ends the attach client only; the container runs on', async (t) => {
  const id = await runD('--init', 'lab/busybox', 'httpd', '-f', '-v');
  const r = await term(`${cli} attach --sig-proxy=false ${id}`, ['\x03']);
  t.not(r.code, 0, r.screen); // the client was interrupted
  t.regex(await statusOf(id), /^Up /);
  await sandbox('rm', '-f', id);
});

it('run -it: ctrl-p ctrl-q detaches (exit 0, the container runs on); attach later reaches the same shell', async (t) => {
  const n = name();
  const r = await term(`${cli} run -it --name ${n} lab/busybox sh`, [atPrompt('X=kept-$((20+22))\r'), atPrompt('\x10\x11')]);
  t.is(r.code, 0, r.screen);
  t.regex(await statusOf(n), /^Up /);
  // Attaching prints nothing (the prompt was shown before): type after the pause.
  const a = await term(`${cli} attach ${n}`, ['echo $X\r', atPrompt('exit 3\r')]);
  t.is(a.code, 3, a.screen);
  t.regex(a.screen, /^kept-42\r*$/m);
  t.regex(await statusOf(n), /^Exited \(3\)/);
  t.is((await sandbox('inspect', '-f', '{{.State.ExitCode}}', n)).stdout.trim(), '3');
  await sandbox('rm', n);
});

it('run -it --rm --detach-keys: the chosen keys detach; ctrl-p ctrl-q is ordinary input; the container is removed when it ends', async (t) => {
  const n = name();
  const r = await term(`${cli} run -it --rm --name ${n} --detach-keys=ctrl-x,x lab/busybox sh`, [atPrompt('\x10\x11echo typed\r'), atPrompt('\x18x')]);
  t.is(r.code, 0, r.screen);
  t.regex(r.screen, /^typed\r*$/m);
  t.regex(await statusOf(n), /^Up /);
  t.is((await sandbox('stop', '-t', '1', n)).code, 0);
  await until(async () => (await statusOf(n)) === '');
  t.is(await statusOf(n), '');
});

it('run --detach-keys with a bad value is refused before anything is created', async (t) => {
  const n = name();
  const r = await sandbox('run', '-it', '--name', n, '--detach-keys=ctrl-1', 'lab/busybox', 'true');
  t.is(r.code, 125);
  t.is(r.stderr, 'sandbox: Invalid detach keys (ctrl-1) provided\n');
  t.is(await statusOf(n), '');
});

it('attach to a -t container sends the client\'s window size, and its changes', async (t) => {
  const id = await runD('-it', 'lab/busybox', 'sh');
  // The window is resized (by a job on that terminal, as a window manager would) once the
  // first size has been seen; then the container is asked again.
  const go = join(home.env.TMPDIR ?? '/tmp', `resize-${id}`);
  const line = `stty rows 21 cols 61; (while [ ! -e ${go} ]; do sleep 0.1; done; stty rows 42 cols 111 </dev/tty) & ${cli} attach ${id}`;
  const r = await term(line, [
    atPrompt('stty size\r'),
    { after: /^21 61\r*$/m, keys: '', first: () => writeFile(go, '') },
    'stty size\r',
    { after: /^42 111\r*$/m, keys: '\x10\x11' },
  ]);
  t.is(r.code, 0, r.screen);
  t.regex(r.screen, /^21 61\r*$/m);
  t.regex(r.screen, /^42 111\r*$/m);
  await sandbox('rm', '-f', id);
});

it('run -d --rm: listed while it runs, wait prints its code, then it and its anonymous volume are gone; a named volume stays', async (t) => {
  const vol = name();
  const id = await runD('--rm', '-v', '/anon', '-v', `${vol}:/named`, 'lab/busybox', 'sh', '-c', 'sleep 4; exit 7');
  const waiting = sandbox('wait', id);
  t.regex(await statusOf(id), /^Up /);
  const anon = await anonymousVolumeOf(id);
  const w = await waiting;
  t.is(w.stdout, '7\n', w.stderr);
  await until(async () => (await statusOf(id)) === '');
  t.is(await statusOf(id), '');
  const vols = (await sandbox('volume', 'ls', '-q')).stdout.split('\n');
  t.true(vols.includes(vol));
  t.truthy(anon);
  t.false(vols.includes(anon));
  await sandbox('volume', 'rm', vol);
});

it('rm -v removes the container\'s anonymous volumes and keeps named ones; rm alone keeps both', async (t) => {
  const vol = name();
  const a = await runD('-v', '/anon', '-v', `${vol}:/named`, 'lab/busybox', 'true');
  const b = await runD('-v', '/anon', 'lab/busybox', 'true');
  await sandbox('wait', a, b);
  const [anonA, anonB] = [await anonymousVolumeOf(a), await anonymousVolumeOf(b)];
  t.truthy(anonA);
  t.is((await sandbox('rm', '-v', a)).stdout, `${a}\n`);
  t.is((await sandbox('rm', b)).code, 0);
  const vols = (await sandbox('volume', 'ls', '-q')).stdout.split('\n');
  t.false(vols.includes(anonA));
  t.true(vols.includes(anonB));
  t.true(vols.includes(vol));
  await sandbox('volume', 'rm', vol, anonB);
});

it('--restart on-failure:N: inspect shows Restarting while it backs off and RestartCount after', async (t) => {
  const id = await runD('--restart', 'on-failure:4', 'lab/busybox', 'sh', '-c', 'exit 2');
  let seen = '';
  await until(async () => {
    seen = (await sandbox('inspect', '-f', '{{.State.Status}} {{.State.Restarting}}', id)).stdout.trim();
    return seen === 'restarting true';
  });
  t.is(seen, 'restarting true');
  t.regex(await statusOf(id), /^(Restarting \(2\)|Up |Exited \(2\))/);
  t.is((await sandbox('wait', id)).stdout, '2\n');
  t.is((await sandbox('inspect', '-f', '{{.RestartCount}} {{.State.Restarting}} {{.State.Status}}', id)).stdout, '4 false exited\n');
  // docker's start resets the count.
  await sandbox('start', id);
  await sandbox('wait', id);
  t.is((await sandbox('inspect', '-f', '{{.RestartCount}}', id)).stdout, '4\n');
  await sandbox('rm', id);
});

it('ps -s: docker\'s SIZE column, the writable layer and the virtual size with the image', async (t) => {
  const id = await runD('lab/busybox', 'sh', '-c', 'head -c 12345 /dev/zero > /f; sleep 100');
  await until(async () => /^12\.3kB/.test((await sandbox('ps', '--format', '{{.Size}}', '-f', `id=${id}`)).stdout));
  const ps = await sandbox('ps', '-s', '-f', `id=${id}`);
  t.regex(ps.stdout.split('\n')[0]!, /NAMES +SIZE$/);
  t.regex(ps.stdout.split('\n')[1]!, / 12\.3kB \(virtual 2\.1\dMB\)$/);
  await sandbox('rm', '-f', id);
});

it('logs --details: each line after docker\'s (empty) attribute list and its space', async (t) => {
  const id = await runD('lab/busybox', 'sh', '-c', 'echo hello; echo oops >&2');
  await sandbox('wait', id);
  const r = await sandbox('logs', '--details', id);
  t.is(r.stdout, ' hello\n');
  t.is(r.stderr, ' oops\n');
  await sandbox('rm', id);
});

it('start -a: attached from the first output (nothing missed), ends with the container\'s code; -a with two containers is refused', async (t) => {
  const id = (await sandbox('create', 'lab/busybox', 'sh', '-c', 'echo first; echo oops >&2; exit 6')).stdout.trim();
  const r = await sandbox('start', '-a', id);
  t.is(r.code, 6, r.stderr);
  t.is(r.stdout, 'first\n');
  t.is(r.stderr, 'oops\n');
  const again = await sandbox('start', '-a', id);
  t.is(again.stdout, 'first\n');
  const two = await sandbox('start', '-a', id, id);
  t.is(two.code, 125);
  t.is(two.stderr, 'sandbox: you cannot start and attach multiple containers at once\n');
  await sandbox('rm', id);
});

it('start -ai: a -it container\'s shell in our terminal, sized to it; the detach keys leave it running', async (t) => {
  const id = (await sandbox('create', '-it', 'lab/busybox', 'sh')).stdout.trim();
  const r = await term(`stty rows 22 cols 66; ${cli} start -ai ${id}`, [atPrompt('stty size\r'), atPrompt('exit 9\r')]);
  t.is(r.code, 9, r.screen);
  t.regex(r.screen, /^22 66\r*$/m);
  const d = await term(`${cli} start -ai ${id}`, [atPrompt('echo again-$((1+1))\r'), atPrompt('\x10\x11')]);
  t.is(d.code, 0, d.screen);
  t.regex(d.screen, /^again-2\r*$/m);
  t.regex(await statusOf(id), /^Up /);
  await sandbox('rm', '-f', id);
});
