// `sandbox start CONTAINER...`: run a created or stopped container again, detached (its
// monitor outlives this CLI).
// `sandbox start -a [-i] [--detach-keys K] CONTAINER`: the same, attached from its first output
// (the monitor waits for our connection before the command runs): its output on ours, our keys
// into its terminal with -i, the detach keys leave it running; ends with its exit code.
// `sandbox start --all`: after a reboot nothing of ours runs (there is no daemon); this starts
// every stopped container whose policy says it should be running: always, or unless-stopped
// when its user did not stop it. docs/detached.md says how to run it at login or boot.
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandContext } from '../context.js';
import { parseCommandArgs } from '../parse.js';
import { startOptions } from '../command-options.js';
import { findCommand } from '../command-table.js';
import { sandboxPaths } from '../../state/paths.js';
import { ContainerStore, type ContainerRecord } from '../../state/containers.js';
import { settle, startContainer, waitStopped } from '../../runtime/lifecycle.js';
import { UsageError } from '../../errors.js';
import type { RuntimeConfig } from '../../oci/types.js';
import { forEachContainer } from './each-container.js';
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from '../detach-keys.js';

/** Should `start --all` bring this stopped container back? */
async function wantsRunning(store: ContainerStore, rec: ContainerRecord): Promise<boolean> {
  if (rec.status === 'running' || rec.status === 'removing') return false;
  const dir = store.dir(rec.id);
  const config = await readFile(join(dir, 'config.json'), 'utf8').then((t) => JSON.parse(t) as RuntimeConfig, () => undefined);
  const policy = config?.sandbox.restart?.name ?? 'no';
  if (policy === 'always') return true;
  return policy === 'unless-stopped' && !existsSync(join(dir, 'stop-requested'));
}

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const { options, positionals } = parseCommandArgs(startOptions, args, 'start', findCommand('start'));
  const store = new ContainerStore(sandboxPaths(ctx.env));
  if (options.all) {
    if (positionals.length) throw new UsageError('--all and container names cannot be used together');
    const targets: string[] = [];
    for (const rec of await store.list()) {
      const now = await settle(store, rec);
      if (await wantsRunning(store, now)) targets.push(now.id);
    }
    return forEachContainer(store, targets, ctx, async (rec) => {
      await startContainer(store, rec);
    });
  }
  if (positionals.length === 0) throw new UsageError('"sandbox start" requires at least 1 argument.', "See 'sandbox start --help'.");
  // docker: -i attaches too.
  if (options.attach || options.interactive) {
    if (positionals.length > 1) throw new UsageError('you cannot start and attach multiple containers at once');
    return startAttached(store, positionals[0]!, options, ctx);
  }
  return forEachContainer(store, positionals, ctx, async (rec) => {
    await startContainer(store, rec);
  });
}

async function startAttached(store: ContainerStore, ref: string, options: { interactive: boolean; detachKeys?: string | undefined }, ctx: CommandContext): Promise<number> {
  const keys = parseDetachKeys(options.detachKeys || DEFAULT_DETACH_KEYS);
  const { attachSession, connectAttach, connectWhenListening } = await import('../attach-session.js');
  let rec = await settle(store, await store.find(ref));
  const dir = store.dir(rec.id);
  const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as RuntimeConfig;
  const tty = config.process.terminal === true;
  const openStdin = config.sandbox.openStdin === true;
  // docker's check, as for run -it: a terminal's keys can't come from a pipe.
  if (tty && options.interactive && process.stdin.isTTY !== true) throw new UsageError('the input device is not a TTY');
  let socket;
  if (rec.status === 'running') {
    socket = await connectAttach(dir, ref); // already running: docker attaches to it
  } else {
    const starting = startContainer(store, rec, true);
    // The started record names the new monitor, which waitStopped below must watch.
    [socket, rec] = await Promise.all([connectWhenListening(dir, ref, starting), starting]);
  }
  const { detached } = await attachSession(socket, { tty, stdin: options.interactive, openStdin, sigProxy: true, detachKeys: keys, stdout: ctx.stdout, stderr: ctx.stderr });
  if (detached) return 0;
  await waitStopped(store, rec);
  rec = await settle(store, await store.read(rec.id));
  return rec.exitCode ?? 0;
}
