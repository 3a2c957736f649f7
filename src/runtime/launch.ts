// Start sandbox-monitor for a container and follow its messages (docs/native-interface.md).
// Foreground runs: the container inherits our stdio; signals sent to the CLI are forwarded to
// the monitor, which forwards them to the container (docker's --sig-proxy).
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { ExecError, EXIT_NOT_FOUND, EXIT_NOT_INVOKABLE, NativeError } from '../errors.js';
import { monitorPath } from './paths.js';
import { parseNativeMessage, splitLines, type NativeMessage } from './protocol.js';

export interface LaunchResult {
  exitCode: number;
  signal: number;
  pid: number | undefined;
}

export interface LaunchHooks {
  /** Called once the user's command has been exec'd (the container runs). */
  onStarted?: (pid: number) => void | Promise<void>;
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

export async function launchForeground(configPath: string, hooks: LaunchHooks = {}): Promise<LaunchResult> {
  // The monitor gets its own session so terminal signals reach the container once, through us.
  const child = spawn(monitorPath(), ['run', '--config', configPath, '--result-fd', '3'], {
    stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
    detached: true,
  });
  const forward = (sig: NodeJS.Signals) => {
    try {
      child.kill(sig);
    } catch {
      /* already gone */
    }
  };
  for (const s of FORWARDED) process.on(s, forward);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  try {
    let started: number | undefined;
    let outcome: NativeMessage | undefined;
    for await (const m of messages(child.stdio[3] as Readable)) {
      if (m.type === 'started') {
        started = m.pid;
        await hooks.onStarted?.(m.pid);
      } else if (m.type === 'exited' || m.type === 'exec-failed' || m.type === 'error') {
        outcome = m;
      }
    }
    const status = await exited.catch((err: NodeJS.ErrnoException) => {
      throw new NativeError(`cannot start ${monitorPath()}: ${err.message}`, {
        hint: err.code === 'ENOENT' ? 'Build the native part with `npm run build:native`.' : undefined,
      });
    });
    if (outcome?.type === 'exited') return { exitCode: outcome.exitCode, signal: outcome.signal, pid: started };
    if (outcome?.type === 'exec-failed') throw execFailure(outcome.errno, outcome.path);
    if (outcome?.type === 'error') throw new NativeError(outcome.message, { step: outcome.step, errno: outcome.errno });
    throw new NativeError(`sandbox-monitor ended without a result (${status.signal ? `signal ${status.signal}` : `exit ${status.code}`})`);
  } finally {
    for (const s of FORWARDED) process.off(s, forward);
  }
}
