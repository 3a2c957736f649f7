// `sandbox attach [--detach-keys KEYS] [--no-stdin] [--sig-proxy=false] CONTAINER`: connect to a
// running container's monitor and show its output as it comes (src/cli/attach-session.ts); for
// a -t container our keys go to its terminal, in raw mode, with our window size, until the
// detach keys (default ctrl-p ctrl-q) leave it running; without -t the signals we get are the
// container's (--sig-proxy), so ^C stops it as in the reference's nginx example. Ends with the
// container's exit code when it stops.
import { readFileSync } from 'node:fs';
import type { CommandContext } from '../context.js';
import { parseCommandArgs } from '../parse.js';
import { attachOptions } from '../command-options.js';
import { findCommand } from '../command-table.js';
import { sandboxPaths } from '../../state/paths.js';
import { ContainerStore } from '../../state/containers.js';
import { settle, waitStopped } from '../../runtime/lifecycle.js';
import { StateError } from '../../errors.js';
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from '../detach-keys.js';
import { attachSession, connectAttach } from '../attach-session.js';

export { parseDetachKeys } from '../detach-keys.js';

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const { options, positionals } = parseCommandArgs(attachOptions, args, 'attach', findCommand('attach'));
  const keys = parseDetachKeys(options.detachKeys ?? DEFAULT_DETACH_KEYS);
  const store = new ContainerStore(sandboxPaths(ctx.env));
  let rec = await settle(store, await store.find(positionals[0]!));
  if (rec.status !== 'running') throw new StateError('You cannot attach to a stopped container, start it first');
  const dir = store.dir(rec.id);
  const config = JSON.parse(readFileSync(`${dir}/config.json`, 'utf8')) as { process?: { terminal?: boolean }; sandbox?: { openStdin?: boolean } };
  const tty = config.process?.terminal === true;
  const openStdin = config.sandbox?.openStdin === true;

  const socket = await connectAttach(dir, positionals[0]!);
  const { detached } = await attachSession(socket, { tty, stdin: options.noStdin !== true, openStdin, sigProxy: options.sigProxy !== false, detachKeys: keys, stdout: ctx.stdout, stderr: ctx.stderr });
  if (detached) return 0;
  // The monitor closed the connection: the container has stopped; its exit code is ours.
  await waitStopped(store, rec);
  rec = await settle(store, await store.read(rec.id));
  return rec.exitCode ?? 0;
}
