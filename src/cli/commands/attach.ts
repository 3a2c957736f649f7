// `sandbox attach [--detach-keys KEYS] [--no-stdin] CONTAINER`: connect to a detached
// container's monitor (the attach socket in its state dir, addon/monitor/attach.h) and show its
// output as it comes; for a -t container our keys go to its terminal, in raw mode, until the
// detach keys (default ctrl-p ctrl-q) leave it running. Ends with the container's exit code
// when it stops.
import { openSync, closeSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import type { CommandContext } from '../context.js';
import { parseCommandArgs } from '../parse.js';
import { attachOptions } from '../command-options.js';
import { findCommand } from '../command-table.js';
import { sandboxPaths } from '../../state/paths.js';
import { ContainerStore } from '../../state/containers.js';
import { settle, waitStopped } from '../../runtime/lifecycle.js';
import { StateError, UsageError } from '../../errors.js';

/** docker's --detach-keys: comma-separated `ctrl-X` or single characters, as bytes. */
export function parseDetachKeys(spec: string): Buffer {
  const bytes = spec.split(',').map((k) => {
    const m = /^ctrl-(.)$/i.exec(k);
    if (m) {
      const c = m[1]!.toLowerCase();
      if (/[a-z@[\\\]^_]/.test(c)) return c.toUpperCase().charCodeAt(0) & 0x1f;
    } else if (k.length === 1) {
      return k.charCodeAt(0);
    }
    throw new UsageError(`Invalid detach keys (${k}) provided`);
  });
  return Buffer.from(bytes);
}

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const { options, positionals } = parseCommandArgs(attachOptions, args, 'attach', findCommand('attach'));
  const keys = parseDetachKeys(options.detachKeys ?? 'ctrl-p,ctrl-q');
  const store = new ContainerStore(sandboxPaths(ctx.env));
  let rec = await settle(store, await store.find(positionals[0]!));
  if (rec.status !== 'running') throw new StateError('You cannot attach to a stopped container, start it first');
  const dir = store.dir(rec.id);
  const config = JSON.parse(readFileSync(`${dir}/config.json`, 'utf8')) as { process?: { terminal?: boolean } };
  const tty = config.process?.terminal === true;

  // The state dir's path may be longer than a socket path can be: reach it through an fd.
  const dirFd = openSync(dir, 'r');
  const socket = createConnection({ path: `/proc/self/fd/${dirFd}/attach.sock` });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', (err) => reject(new StateError(`cannot attach to ${positionals[0]}: ${err.message}`)));
    });
  } finally {
    closeSync(dirFd);
  }

  const stdin = process.stdin;
  const withInput = tty && options.noStdin !== true;
  const raw = withInput && stdin.isTTY === true;
  let detached = false;
  try {
    if (raw) stdin.setRawMode(true);
    const ended = new Promise<void>((resolve) => {
      socket.on('data', (b: Buffer) => ctx.stdout.write(b));
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });
    // The detach keys are matched across reads; bytes of a partial match are held back and
    // sent on if the sequence breaks, as docker does.
    let matched = 0;
    const onInput = (b: Buffer) => {
      const out: number[] = [];
      for (const byte of b) {
        if (byte === keys[matched]) {
          matched++;
          if (matched === keys.length) {
            detached = true;
            socket.destroy();
            return;
          }
          continue;
        }
        out.push(...keys.subarray(0, matched));
        matched = 0;
        if (byte === keys[0]) matched = 1;
        else out.push(byte);
      }
      if (out.length) socket.write(Buffer.from(out));
    };
    if (withInput) stdin.on('data', onInput);
    await ended;
    if (withInput) {
      stdin.off('data', onInput);
      stdin.pause();
    }
  } finally {
    if (raw) stdin.setRawMode(false);
  }
  if (detached) return 0;
  // The monitor closed the connection: the container has stopped; its exit code is ours.
  await waitStopped(store, rec);
  rec = await settle(store, await store.read(rec.id));
  return rec.exitCode ?? 0;
}
