// exec -t as a user sees it: the exec'd command gets a terminal from the container's own
// devpts, the size of the caller's window (and resized with it); with -i the caller's keys
// reach it, ^C included; its exit code comes back; the detach keys leave it running.
// The caller's terminal is util-linux `script` (test/helpers/terminal.ts).
import test from 'ava';
import { existsSync } from 'node:fs';
import { makeSandboxHome, runSandbox, type SandboxHome } from '../../helpers/cli.js';
import { cliWords as cli, inTerminal as terminal, quote } from '../../helpers/terminal.js';
import { needs } from '../../helpers/facility.js';
import { fixtures } from '../../helpers/fixtures.js';

const RUNTIME = ['fixtures', 'cli', 'monitor', 'subids', 'newidmap', 'userns', 'unprivileged'] as const;
const it = needs(test, [...RUNTIME], 'runs real containers as an unprivileged user');

let home: SandboxHome;
let id = '';
test.before(async () => {
  if (!existsSync(process.env.SANDBOX_FIXTURES ?? '/nonexistent')) return;
  home = await makeSandboxHome();
  const r = await runSandbox(['load', '-i', fixtures().busybox.ociArchive], { env: home.env });
  if (r.code !== 0) throw new Error(`load failed: ${r.stderr}`);
  // One running container for every test: exec needs one, and each test execs its own command.
  id = (await runSandbox(['run', '-d', 'lab/busybox', 'sleep', '600'], { env: home.env })).stdout.trim();
});
test.after.always(async () => {
  if (id) await runSandbox(['rm', '-f', id], { env: home.env });
  await home?.cleanup();
});

const sandbox = (...args: string[]) => runSandbox(args, { env: home.env });
const inTerminal = (line: string, keys: Parameters<typeof terminal>[2] = [], pauseMs?: number) => terminal(home.env, line, keys, pauseMs);

it("exec -t: the command's stdin is a terminal of the container's devpts, the caller's size, owned by its user", async (t) => {
  const inner = 'tty; test -t 0 && echo stdin-is-a-tty; stty size; stat -c %U "$(tty)"; ls "$(tty)" >/dev/null && echo visible';
  const r = await inTerminal(`stty rows 31 cols 97; ${cli} exec -t -u nobody ${id} sh -c ${quote(inner)}`);
  t.is(r.code, 0, r.screen);
  const lines = r.screen.split(/\r*\n/);
  t.true(lines.some((l) => /^\/dev\/pts\/\d+$/.test(l)), r.screen);
  t.true(lines.includes('stdin-is-a-tty'), r.screen);
  t.true(lines.includes('31 97'), r.screen);
  t.true(lines.includes('nobody'), r.screen);
  t.true(lines.includes('visible'), r.screen);
});

it('exec -it sh: typed lines run, ^C interrupts the foreground job only, the exit code comes back', async (t) => {
  const r = await inTerminal(`${cli} exec -it ${id} sh`, ['sleep 100\r', '\x03', 'echo after-$((2+3))\r', 'exit 6\r']);
  t.is(r.code, 6, r.screen);
  t.regex(r.screen, /\^C/);
  t.regex(r.screen, /^after-5\r*$/m);
});

it('exec -it: the caller\'s terminal is back in its own mode afterwards', async (t) => {
  // script's shell runs stty after the exec: canonical mode with echo again (raw mode restored).
  const r = await inTerminal(`${cli} exec -it ${id} sh -c 'exit 0'; stty -a | grep -o -- ' -\\?icanon' ; stty -a | grep -o -- ' -\\?echo '`);
  t.is(r.code, 0, r.screen);
  t.regex(r.screen, /^ icanon\r*$/m);
  t.regex(r.screen, /^ echo \r*$/m);
});

it("exec -it: resizing the caller's window resizes the command's terminal", async (t) => {
  const line = `stty rows 20 cols 50; (sleep 1; stty rows 44 cols 133 </dev/tty) & ${cli} exec -it ${id} sh`;
  const r = await inTerminal(line, ['stty size\r', 'exit\r'], 2500);
  t.is(r.code, 0, r.screen);
  t.regex(r.screen, /^44 133\r*$/m);
});

it('exec -t without -i and without a terminal on our side: the output arrives through the pty, the code comes back', async (t) => {
  const r = await sandbox('exec', '-t', id, 'sh', '-c', 'test -t 1 && echo out-is-a-tty; exit 3');
  t.is(r.code, 3, r.stderr);
  t.is(r.stdout, 'out-is-a-tty\r\n');
});

it('exec -it: the detach keys (ctrl-p ctrl-q) leave the command running; --detach-keys changes them', async (t) => {
  // A sleep nobody else runs, so ps can tell it apart (busybox sh execs its last command).
  const token = `sleep ${100000 + (process.pid % 50000)}`;
  const r = await inTerminal(`${cli} exec -it ${id} ${token}`, ['\x10\x11']);
  t.is(r.code, 0, r.screen);
  const ps = await sandbox('exec', id, 'ps', '-o', 'args');
  t.true(ps.stdout.split('\n').includes(token), ps.stdout);
  await sandbox('exec', id, 'pkill', '-f', token);
  // Under --detach-keys=ctrl-x, ctrl-p ctrl-q is plain input; exit ends it with its code.
  const r2 = await inTerminal(`${cli} exec -it --detach-keys=ctrl-x ${id} sh`, ['\x10\x11echo typed-$((3+4))\r', 'exit 7\r']);
  t.is(r2.code, 7, r2.screen);
  t.regex(r2.screen, /typed-7/);
});

it('exec -it with input that is not a terminal is refused, as docker does', async (t) => {
  const r = await runSandbox(['exec', '-it', id, 'cat'], { env: home.env, input: 'hi\n' });
  t.is(r.code, 125);
  t.is(r.stderr, 'sandbox: the input device is not a TTY\n');
});

it('exec --detach-keys with a bad sequence is refused before anything runs', async (t) => {
  const r = await sandbox('exec', '-t', '--detach-keys', 'ctrl-', id, 'true');
  t.is(r.code, 125);
  t.regex(r.stderr, /^sandbox: Invalid detach keys \(ctrl-\) provided\n/);
});
