// Start sandbox-monitor for a container and follow its messages (docs/native-interface.md).
// Foreground runs: the monitor inherits our stdio and passes the container's output on to it
// (and into the log; the container's own stdio when not logged: --rm); signals sent to the
// CLI are forwarded to the monitor, which forwards them to the container (docker's --sig-proxy).
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { ExecError, EXIT_NOT_FOUND, EXIT_NOT_INVOKABLE, NativeError } from '../errors.js';
import { monitorPath, packageRoot } from './paths.js';
import type { LogSettings } from '../spec/logging.js';
import { mark } from '../cli/timing.js';
import { parseNativeMessage, splitLines, type NativeMessage } from './protocol.js';
import { foregroundLogged } from './log-policy.js';

export interface LaunchResult {
  /** Pid of the monitor (for the container record). */
  monitorPid?: number;
  exitCode: number;
  signal: number;
  pid: number | undefined;
  /** run -it: the caller typed the detach keys; the container runs on under its monitor. */
  detached?: boolean;
}

export interface LaunchHooks {
  /** Called once the user's command has been exec'd (the container runs). */
  onStarted?: (pid: number, monitorPid: number) => void | Promise<void>;
  /** -i: the container reads our stdin; without it, /dev/null (docker). Default true (the
   *  walking skeleton's behaviour) until every caller says. */
  interactive?: boolean;
  /** --sig-proxy (default true): pass the signals we get on to the container. */
  sigProxy?: boolean;
  /** -a/--attach: only these streams are connected (the others are /dev/null); absent: all. */
  attach?: readonly ('stdin' | 'stdout' | 'stderr')[];
  /** -t: the container has a pty the monitor relays to our terminal. */
  tty?: boolean;
  /** -it: the keys that detach us and leave the container running (--detach-keys). */
  detachKeys?: Buffer;
  /** --rm: what the monitor runs once the container has ended after we detached. */
  exitCommand?: string[];
  /** --rm: without -t and without --log-driver/--log-opt, no log (log-policy.ts). */
  autoRemove?: boolean;
  /** The container's --log-driver/--log-opt (its config's sandbox.log); absent: the defaults. */
  log?: LogSettings | undefined;
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

/** docker's wording for exec failures (ARCHITECTURE.md section 11). */
export function execFailure(errno: number, path: string): ExecError {
  const ENOENT = 2;
  const ENOTDIR = 20;
  if (errno === ENOENT || errno === ENOTDIR) {
    return new ExecError(`Container command '${path}' not found or does not exist.`, EXIT_NOT_FOUND);
  }
  return new ExecError(`Container command '${path}' could not be invoked.`, EXIT_NOT_INVOKABLE);
}

async function* messages(stream: Readable): AsyncGenerator<NativeMessage> {
  let rest = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream) {
    const split = splitLines(rest, chunk as string);
    rest = split.rest;
    for (const line of split.lines) yield parseNativeMessage(line);
  }
  if (rest.trim()) yield parseNativeMessage(rest);
}

/** Files the monitor keeps for a container beside its config (containers/<id>/). */
export function monitorFiles(stateDir: string) {
  return {
    /** Written by the monitor when the container has exited: the truth for ps/wait/inspect. */
    exit: join(stateDir, 'exit.json'),
    /** The container's stdout/stderr (run -d), k8s-file lines; rotated to ctr.log.1. */
    log: join(stateDir, 'ctr.log'),
  };
}

/**
 * The environment of a monitor that lives as long as its container. glibc's per-thread cache
 * keeps up to 7 freed chunks of every small size out of reach of malloc_trim, and the monitor
 * frees its parsed config (thousands of small chunks) before it settles: without the cache the
 * freed heap coalesces and the monitor's trim (addon/monitor/trim.cc) gives ~80 KB back to the
 * kernel, in the monitor and in its slirp child alike (bench/overhead).
 */
export function monitorEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const tunable = 'glibc.malloc.tcache_count=0';
  const current = env.GLIBC_TUNABLES;
  return { ...env, GLIBC_TUNABLES: current ? `${current}:${tunable}` : tunable };
}

/** Per-file cap of the container log before it is rotated (one old file kept). */
export const LOG_MAX_SIZE = 8 * 1024 * 1024;

/** What the monitor's arguments depend on in the runtime config (the log, -i, -t). */
export interface MonitorSettings {
  log?: LogSettings;
  openStdin?: boolean;
  stdinOnce?: boolean;
  terminal?: boolean;
}

async function readMonitorSettings(configPath: string): Promise<MonitorSettings> {
  const text = await readFile(configPath, 'utf8').catch(() => undefined);
  if (text === undefined) return {};
  const c = JSON.parse(text) as { process?: { terminal?: boolean }; sandbox?: MonitorSettings };
  return { ...c.sandbox, terminal: c.process?.terminal === true };
}

/** The container's --log-driver/--log-opt, from its runtime config (absent: the defaults). */
export async function readLogSettings(configPath: string): Promise<LogSettings | undefined> {
  return (await readMonitorSettings(configPath)).log;
}

/**
 * -i without -t, detached: the monitor keeps the container's stdin open for attach clients
 * (docker's OpenStdin), closed by a client's end of input with StdinOnce (create -i, start -ai).
 * With -t the keys go to the terminal anyway.
 */
function stdinArgs(s: MonitorSettings): string[] {
  if (!s.openStdin || s.terminal) return [];
  return s.stdinOnce ? ['--open-stdin', '--stdin-once'] : ['--open-stdin'];
}

/**
 * The monitor's log arguments. --log-driver none: the output still goes through the monitor
 * (so `attach` works) into /dev/null, where nothing is kept and nothing rotates.
 */
export function logArgs(log: LogSettings | undefined, path: string): string[] {
  if (log?.driver === 'none') return ['--log', '/dev/null', '--log-max-size', '0'];
  const args = ['--log', path, '--log-max-size', String(log?.maxSize ?? LOG_MAX_SIZE)];
  if (log?.maxFiles !== undefined) args.push('--log-max-files', String(log.maxFiles));
  return args;
}

export interface DetachedStart {
  /** Host pid of the container's init. */
  pid: number;
  /** Pid of its sandbox-monitor, which outlives this CLI. */
  monitorPid: number;
}

/**
 * Start a container whose monitor outlives us (run -d, start): the monitor gets a session of
 * its own (setsid, so no terminal and no shell's SIGHUP reach it), /dev/null for stdio, and
 * writes the container's output to its log. We read its messages only until `started`.
 */
export async function launchDetached(configPath: string, exitCommand: string[] = [], attachWait = false, known?: MonitorSettings): Promise<DetachedStart> {
  const files = monitorFiles(dirname(configPath));
  // `known`: the caller just wrote the config (run -d) and knows what the arguments depend on.
  const settings = known ?? (await readMonitorSettings(configPath));
  const args = ['run', '--config', configPath, '--result-fd', '3', ...logArgs(settings.log, files.log), ...stdinArgs(settings), '--exit-file', files.exit, ...exitCommandArgs(exitCommand)];
  // start -a: the monitor lets the command start once the first attach client is connected.
  if (attachWait) args.push('--attach-wait');
  mark('launch: spawn');
  const child = spawn(monitorPath(), args, { stdio: ['ignore', 'ignore', 'ignore', 'pipe'], detached: true, env: monitorEnv() });
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(new NativeError(`cannot start ${monitorPath()}: ${err.message}`, { hint: err.code === 'ENOENT' ? 'Build the native part with `npm run build:native`.' : undefined })),
    );
  });
  await spawned;
  mark('launch: spawned');
  const monitorPid = child.pid!;
  const result = child.stdio[3] as Readable;
  try {
    for await (const m of messages(result)) {
      mark(`launch: ${m.type}`);
      if (m.type === 'started') return { pid: m.pid, monitorPid };
      if (m.type === 'exec-failed') throw execFailure(m.errno, m.path);
      if (m.type === 'error') throw new NativeError(m.message, { step: m.step, errno: m.errno });
    }
    throw new NativeError('sandbox-monitor ended without starting the container');
  } finally {
    // Let go of the monitor: closing our end of the result pipe and unref'ing the child lets
    // this process exit while the monitor runs on (its later messages hit EPIPE, ignored).
    result.destroy();
    child.unref();
  }
}

/** The monitor's --exit-command arguments (one per word). */
function exitCommandArgs(command: string[]): string[] {
  return command.flatMap((a) => ['--exit-command', a]);
}

/**
 * `sandbox rm -v ID` as a command line the monitor can exec once the container has ended
 * (run -d --rm; conmon's --exit-command in podman): this same CLI, so there is one removal path.
 */
export function removalCommand(id: string): string[] {
  return [process.execPath, '--', join(packageRoot, 'bin', 'sandbox.js'), 'rm', '-v', id];
}

export interface ExecRequest {
  configPath: string;
  /** Host pid of the container's init: whose namespaces to join. */
  initPid: number;
  command: string[];
  env: string[];
  user?: string | undefined;
  cwd?: string | undefined;
  privileged: boolean;
  interactive: boolean;
  detach: boolean;
  /** -t: the command gets a pty from the container's devpts, relayed by sandbox-monitor exec. */
  tty?: boolean;
  /** -it: the keys that detach us, leaving the command running (docker's exec). */
  detachKeys?: Buffer;
}

/**
 * `exec`: a `sandbox-monitor exec` process joins the container's namespaces (never Node: a
 * multithreaded process cannot setns into a user or mount namespace) and runs the command.
 * Foreground: our stdio is the command's (stdin only with -i), signals are passed on, and the
 * command's exit code is returned. Detached: returns once the command started.
 */
export async function launchExec(req: ExecRequest): Promise<number> {
  const args = ['exec', '--config', req.configPath, '--pid', String(req.initPid), '--result-fd', '3'];
  for (const e of req.env) args.push('--env', e);
  if (req.user) args.push('--user', req.user);
  if (req.cwd) args.push('--cwd', req.cwd);
  if (req.privileged) args.push('--privileged');
  if (req.tty) args.push('--tty');
  if (req.tty && req.detachKeys?.length) args.push('--detach-keys', req.detachKeys.toString('hex'));
  args.push('--', ...req.command);
  const child = spawn(monitorPath(), args, {
    stdio: req.detach ? ['ignore', 'ignore', 'ignore', 'pipe'] : [req.interactive ? 'inherit' : 'ignore', 'inherit', 'inherit', 'pipe'],
    detached: true,
  });
  const forward = (sig: NodeJS.Signals) => {
    try {
      child.kill(sig);
    } catch {
      /* already gone */
    }
  };
  if (!req.detach) for (const s of FORWARDED) process.on(s, forward);
  // -it on a terminal: raw mode, so ^C, ^Z, ^D reach the command's pty as bytes (as run -it).
  // Node restores the terminal when it exits; the finally below does it on every other path.
  const raw = !req.detach && req.tty === true && req.interactive && process.stdin.isTTY === true;
  if (raw) process.stdin.setRawMode(true);
  const exited = new Promise<void>((resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(new NativeError(`cannot start ${monitorPath()}: ${err.message}`, { hint: err.code === 'ENOENT' ? 'Build the native part with `npm run build:native`.' : undefined })),
    );
    child.once('exit', () => resolve());
  });
  const result = child.stdio[3] as Readable;
  try {
    let outcome: NativeMessage | undefined;
    for await (const m of messages(result)) {
      if (m.type === 'started' && req.detach) return 0;
      if (m.type === 'detached') {
        // The detach keys: the command runs on under its exec process; we leave quietly, 0.
        result.destroy();
        child.unref();
        return 0;
      }
      if (m.type === 'exited' || m.type === 'exec-failed' || m.type === 'error') outcome = m;
    }
    await exited;
    if (outcome?.type === 'exited') return outcome.exitCode;
    if (outcome?.type === 'exec-failed') throw execFailure(outcome.errno, outcome.path);
    if (outcome?.type === 'error') throw new NativeError(outcome.message, { step: outcome.step, errno: outcome.errno });
    throw new NativeError('sandbox-monitor exec ended without a result');
  } finally {
    for (const s of FORWARDED) process.off(s, forward);
    if (raw) process.stdin.setRawMode(false);
    if (req.detach) {
      result.destroy();
      child.unref();
    }
  }
}

export async function launchForeground(configPath: string, hooks: LaunchHooks = {}): Promise<LaunchResult> {
  // The monitor gets its own session so terminal signals reach the container once, through us.
  // The exit file tells ps the truth even when this CLI is killed while the container runs.
  const files = monitorFiles(dirname(configPath));
  const args = ['run', '--config', configPath, '--result-fd', '3', '--exit-file', files.exit];
  // The monitor logs the output (docker logs every container) and passes it on to our stdio
  // (--foreground): -t, whose terminal it relays anyway, so `logs` also has what comes after a
  // detach; without -t through a pipe per stream, stdout to our stdout, stderr to our stderr.
  // Not logged (log-policy.ts): the container writes to our stdio directly.
  if (foregroundLogged({ tty: hooks.tty === true, autoRemove: hooks.autoRemove === true, log: hooks.log })) args.push(...logArgs(hooks.log, files.log), '--foreground');
  // -it: the monitor watches our keys for the detach sequence (it reads the terminal, not us).
  if (hooks.detachKeys?.length && hooks.tty && hooks.interactive !== false) {
    args.push('--detach-keys', hooks.detachKeys.toString('hex'), ...exitCommandArgs(hooks.exitCommand ?? []));
  }
  // -a: a stream not attached is /dev/null for the container (docker's client doesn't copy it).
  const attached = (s: 'stdin' | 'stdout' | 'stderr') => hooks.attach === undefined || hooks.attach.includes(s);
  mark('launch: spawn');
  const child = spawn(monitorPath(), args, {
    stdio: [hooks.interactive === false || !attached('stdin') ? 'ignore' : 'inherit', attached('stdout') ? 'inherit' : 'ignore', attached('stderr') ? 'inherit' : 'ignore', 'pipe'],
    detached: true,
    env: monitorEnv(),
  });
  const forward = (sig: NodeJS.Signals) => {
    try {
      child.kill(sig);
    } catch {
      /* already gone */
    }
  };
  // --sig-proxy=false: our signals are ours (the handler still keeps Node from dying on them
  // while the monitor runs on; docker's client behaves the same).
  const ignore = () => undefined;
  const handler = hooks.sigProxy === false ? ignore : forward;
  for (const s of FORWARDED) process.on(s, handler);
  // -t: a resized window must reach the container's pty even with --sig-proxy=false (the
  // monitor copies our size onto it when it gets SIGWINCH).
  const resize = () => forward('SIGWINCH');
  if (hooks.tty && hooks.sigProxy === false) process.on('SIGWINCH', resize);
  // -it on a terminal: raw mode, so every key (^C, ^Z, ^D) reaches the container's pty as a
  // byte and its line discipline decides, as with docker. Set through Node so that Node
  // restores the caller's terminal when it exits, on every path.
  const raw = hooks.tty === true && hooks.interactive !== false && process.stdin.isTTY === true;
  if (raw) process.stdin.setRawMode(true);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  try {
    let started: number | undefined;
    let outcome: NativeMessage | undefined;
    const result = child.stdio[3] as Readable;
    for await (const m of messages(result)) {
      mark(`launch: ${m.type}`);
      if (m.type === 'started') {
        started = m.pid;
        await hooks.onStarted?.(m.pid, child.pid!);
      } else if (m.type === 'detached') {
        // The container runs on without us (docker's client says nothing and exits 0). The
        // monitor has let go of our terminal; we let go of it: its later messages hit EPIPE.
        result.destroy();
        child.unref();
        return { exitCode: 0, signal: 0, pid: started, monitorPid: child.pid!, detached: true };
      } else if (m.type === 'exited' || m.type === 'exec-failed' || m.type === 'error') {
        outcome = m;
      }
    }
    mark('launch: result pipe closed');
    const status = await exited.catch((err: NodeJS.ErrnoException) => {
      throw new NativeError(`cannot start ${monitorPath()}: ${err.message}`, {
        hint: err.code === 'ENOENT' ? 'Build the native part with `npm run build:native`.' : undefined,
      });
    });
    mark('launch: monitor exited');
    if (outcome?.type === 'exited') return { exitCode: outcome.exitCode, signal: outcome.signal, pid: started };
    if (outcome?.type === 'exec-failed') throw execFailure(outcome.errno, outcome.path);
    if (outcome?.type === 'error') throw new NativeError(outcome.message, { step: outcome.step, errno: outcome.errno });
    throw new NativeError(`sandbox-monitor ended without a result (${status.signal ? `signal ${status.signal}` : `exit ${status.code}`})`);
  } finally {
    for (const s of FORWARDED) process.off(s, handler);
    process.off('SIGWINCH', resize);
    if (raw) process.stdin.setRawMode(false);
  }
}
