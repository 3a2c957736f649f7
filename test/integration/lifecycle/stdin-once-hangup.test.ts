// docker's StdinOnce (`create -i`, then `start -ai` or `attach`): the container's stdin closes
// when the attach session that feeds it ends, however it ends. A client killed with SIGKILL
// (or whose connection drops) never sends the end of its input, and the command reading its
// stdin (`cat`) must still see EOF rather than wait forever. `run -d -i` (OpenStdin without
// StdinOnce) keeps its stdin open for the next client, whatever happened to the last one.
// The killed CLI's stdin is a FIFO this test holds open: its input never ends by itself.
import test from 'ava';
import { spawn, execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
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
const token = () => `t${Math.random().toString(36).slice(2, 10)}`;

/** Poll until `fn` is true; giving up says so (the test asserts after, on what it sees). */
async function until(what: string, fn: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (await fn()) return;
  throw new Error(`not seen within ${ms / 1000} s: ${what}`);
}

async function statusOf(ref: string): Promise<string> {
  const r = await sandbox('ps', '-a', '--no-trunc', '--format', '{{.ID}}\t{{.Status}}');
  return r.stdout.split('\n').map((l) => l.split('\t')).find((f) => f[0] === ref)?.[1] ?? '';
}

/**
 * The CLI with a stdin that never ends: a FIFO whose write end `type` holds (opened read-write,
 * so neither side waits for the other). What it printed so far is in `seen`.
 */
function cliOnOpenFifo(args: string[]) {
  const fifo = join(home.root, `${token()}.fifo`);
  execFileSync('mkfifo', ['-m', '600', fifo]);
  const fd = openSync(fifo, constants.O_RDWR);
  const child = spawn(process.execPath, ['--', sandboxBin, ...args], { env: home.env, stdio: [fd, 'pipe', 'pipe'] });
  const seen = { stdout: '', stderr: '' };
  child.stdout!.on('data', (b: Buffer) => (seen.stdout += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (seen.stderr += b.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  return {
    child,
    seen,
    exited,
    type: (text: string) => writeSync(fd, text),
    close: () => closeSync(fd),
  };
}

it('create -i, start -ai killed with SIGKILL before its input ended: the command\'s stdin closes, the container ends', async (t) => {
  const tok = token();
  const id = (await sandbox('create', '-i', 'lab/busybox', 'sh', '-c', `echo ready-${tok}; cat; echo done-${tok}; exit 3`)).stdout.trim();
  const cli = cliOnOpenFifo(['start', '-ai', id]);
  try {
    // Nothing typed: the session feeds the container's stdin from the start all the same.
    await until('the container running, attached', () => cli.seen.stdout.includes(`ready-${tok}\n`));
    cli.child.kill('SIGKILL');
    t.is(await cli.exited, 'SIGKILL');
    const waited = await sandbox('wait', id);
    t.is(waited.stdout, '3\n', waited.stderr);
    t.is((await sandbox('logs', id)).stdout, `ready-${tok}\ndone-${tok}\n`);
  } finally {
    cli.close();
    await sandbox('rm', '-f', id);
  }
});

it('create -i, start, attach killed after typing a line: cat has the line, then EOF', async (t) => {
  const tok = token();
  const id = (await sandbox('create', '-i', 'lab/busybox', 'sh', '-c', `cat; echo done-${tok}`)).stdout.trim();
  t.is((await sandbox('start', id)).code, 0);
  const cli = cliOnOpenFifo(['attach', id]);
  try {
    cli.type(`typed-${tok}\n`);
    await until('the typed line echoed by cat', () => cli.seen.stdout.includes(`typed-${tok}\n`));
    cli.child.kill('SIGKILL');
    await cli.exited;
    t.is((await sandbox('wait', id)).stdout, '0\n');
    t.is((await sandbox('logs', id)).stdout, `typed-${tok}\ndone-${tok}\n`);
  } finally {
    cli.close();
    await sandbox('rm', '-f', id);
  }
});

it('run -d -i: an attach client killed with SIGKILL leaves the stdin open for the next one', async (t) => {
  const tok = token();
  const r = await sandbox('run', '-d', '-i', 'lab/busybox', 'sh', '-c', `cat; echo done-${tok}`);
  t.is(r.code, 0, r.stderr);
  const id = r.stdout.trim();
  const cli = cliOnOpenFifo(['attach', id]);
  try {
    cli.type(`first-${tok}\n`);
    await until('the first line echoed by cat', () => cli.seen.stdout.includes(`first-${tok}\n`));
    cli.child.kill('SIGKILL');
    await cli.exited;
    // The next client's input reaches the same cat, and so does the end of it (no StdinOnce:
    // the stdin stays open, cat runs on until the container is stopped).
    const next = withInput(`second-${tok}\n`, 'attach', id);
    await until('the second line in the log', async () => (await sandbox('logs', id)).stdout.includes(`second-${tok}\n`));
    t.regex(await statusOf(id), /^Up /);
    t.is((await sandbox('kill', id)).code, 0);
    t.is((await next).code, 137);
    t.is((await sandbox('logs', id)).stdout, `first-${tok}\nsecond-${tok}\n`);
  } finally {
    cli.close();
    await sandbox('rm', '-f', id);
  }
});
