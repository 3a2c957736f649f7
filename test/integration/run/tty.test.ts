// run -t as a user sees it: the command gets a terminal of its own (/dev/pts/0 of the
// container) the size of the caller's window; with -i the caller's keys reach it, ^C included,
// as a byte the container's terminal turns into SIGINT; run -d -t keeps the output in the log.
// The caller's terminal is util-linux `script` (test/helpers/terminal.ts).
import test from 'ava';
import { runSandbox } from '../../helpers/cli.js';
import { useBusyboxHome } from '../../helpers/busybox-home.js';
import { cliWords as cli, inTerminal as terminal, quote } from '../../helpers/terminal.js';
import { needs } from '../../helpers/facility.js';

const RUNTIME = ['fixtures', 'cli', 'monitor', 'subids', 'newidmap', 'userns', 'unprivileged'] as const;
const it = needs(test, [...RUNTIME], 'runs real containers as an unprivileged user');

const home = useBusyboxHome(test);

const inTerminal = (line: string, keys: string[] = [], pauseMs?: number) => terminal(home.env, line, keys, pauseMs);

it('run -t: the command sees /dev/pts/0 as its stdin, the caller\'s window size and TERM=xterm', async (t) => {
  const inner = 'tty; test -t 0 && echo stdin-is-a-tty; stty size; echo "TERM=$TERM"';
  const r = await inTerminal(`stty rows 33 cols 101; ${cli} run --rm -t lab/busybox sh -c ${quote(inner)}`);
  t.is(r.code, 0, r.screen);
  const lines = r.screen.split(/\r*\n/);
  t.true(lines.includes('/dev/pts/0'), r.screen);
  t.true(lines.includes('stdin-is-a-tty'), r.screen);
  t.true(lines.includes('33 101'), r.screen);
  t.true(lines.includes('TERM=xterm'), r.screen);
});

it('run -it: typed lines reach the shell, ^C interrupts its foreground job only, the exit code comes back', async (t) => {
  const r = await inTerminal(`${cli} run --rm -it lab/busybox sh`, ['sleep 100\r', '\x03', 'echo after-$((2+2))\r', 'exit 5\r']);
  t.is(r.code, 5, r.screen);
  t.regex(r.screen, /\^C/);
  t.regex(r.screen, /^after-4\r*$/m);
});

it('run -t without a terminal on our side: the output still arrives, through the container\'s pty', async (t) => {
  const r = await runSandbox(['run', '--rm', '-t', 'lab/busybox', 'sh', '-c', 'tty; echo done'], { env: home.env });
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, '/dev/pts/0\r\ndone\r\n');
});

it('run -d -t: the container\'s terminal output is in its log', async (t) => {
  const id = (await runSandbox(['run', '-d', '-t', 'lab/busybox', 'sh', '-c', 'tty; echo done'], { env: home.env })).stdout.trim();
  t.regex(id, /^[0-9a-f]{64}$/);
  t.is((await runSandbox(['wait', id], { env: home.env })).stdout.trim(), '0');
  const logs = await runSandbox(['logs', id], { env: home.env });
  t.is(logs.stdout, '/dev/pts/0\r\ndone\r\n');
  await runSandbox(['rm', id], { env: home.env });
});

const sandbox = (...args: string[]) => runSandbox(args, { env: home.env });

async function statusOf(id: string): Promise<string> {
  const r = await sandbox('ps', '-a', '--no-trunc', '--format', '{{.ID}}\t{{.Status}}');
  return r.stdout.split('\n').find((l) => l.startsWith(id))?.split('\t')[1] ?? '';
}

it('attach to a -d -t container: its output arrives, the detach keys (ctrl-p ctrl-q) leave it running', async (t) => {
  const id = (await sandbox('run', '-d', '-t', 'lab/busybox', 'sh', '-c', 'while true; do echo tick; sleep 0.2; done')).stdout.trim();
  const r = await inTerminal(`${cli} attach ${id}`, ['\x10\x11']);
  t.is(r.code, 0, r.screen);
  t.regex(r.screen, /tick/);
  t.regex(await statusOf(id), /^Up /);
  await sandbox('rm', '-f', id);
});

it('attach to a -d -it shell: typed lines run in it, --detach-keys changes the keys, exit ends attach with its code', async (t) => {
  const id = (await sandbox('run', '-d', '-it', 'lab/busybox', 'sh')).stdout.trim();
  // ctrl-p ctrl-q is ordinary input under --detach-keys=ctrl-x: the shell just gets it.
  const r = await inTerminal(`${cli} attach --detach-keys=ctrl-x ${id}`, ['\x10\x11echo typed-$((3+4))\r', 'exit 7\r']);
  t.is(r.code, 7, r.screen);
  t.regex(r.screen, /^typed-7\r*$/m);
  t.regex(await statusOf(id), /^Exited \(7\)/);
  await sandbox('rm', id);
});

it('attach to a container without -t: its stdout and stderr arrive as they are written, each on ours, then its exit code', async (t) => {
  const id = (await sandbox('run', '-d', 'lab/busybox', 'sh', '-c', 'sleep 1; echo hello; echo oops >&2; sleep 0.5; echo bye; exit 4')).stdout.trim();
  const r = await sandbox('attach', id);
  t.is(r.code, 4, r.stderr);
  t.is(r.stdout, 'hello\nbye\n');
  t.is(r.stderr, 'oops\n');
  await sandbox('rm', id);
});

it('attach to a stopped container is refused', async (t) => {
  const id = (await sandbox('run', '-d', 'lab/busybox', 'true')).stdout.trim();
  await sandbox('wait', id);
  const r = await sandbox('attach', id);
  t.is(r.code, 125);
  t.regex(r.stderr, /You cannot attach to a stopped container, start it first/);
  await sandbox('rm', id);
});

it('run -it: resizing the caller\'s window resizes the container\'s terminal', async (t) => {
  // The background stty resizes script's pty, whose kernel then sends SIGWINCH to the CLI.
  const line = `stty rows 20 cols 50; (sleep 1; stty rows 40 cols 120 </dev/tty) & ${cli} run --rm -it lab/busybox sh`;
  const r = await inTerminal(line, ['stty size\r', 'exit\r'], 2500);
  t.is(r.code, 0, r.screen);
  t.regex(r.screen, /^40 120\r*$/m);
});

it('run -it with input that is not a terminal is refused, as docker does', async (t) => {
  const r = await runSandbox(['run', '--rm', '-it', 'lab/busybox', 'cat'], { env: home.env, input: 'hi\n' });
  t.is(r.code, 125);
  t.is(r.stderr, 'sandbox: the input device is not a TTY\n');
});

it('run -it: a command that never reads its input is not held up by what is typed', async (t) => {
  // 256 KiB of keys: far more than the container's terminal buffers; its output still comes.
  const r = await inTerminal(`${cli} run --rm -it lab/busybox sh -c 'sleep 2; echo finished'`, ['x'.repeat(256 * 1024)], 500);
  t.is(r.code, 0, r.screen.slice(-200));
  t.regex(r.screen, /finished/);
});
