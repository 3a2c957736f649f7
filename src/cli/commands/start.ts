// `sandbox start CONTAINER...`: run a created or stopped container again, detached (its
// monitor outlives this CLI). -a/-i come with attach (not built yet).
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
import { settle, startContainer } from '../../runtime/lifecycle.js';
import { UsageError } from '../../errors.js';
import type { RuntimeConfig } from '../../oci/types.js';
import { forEachContainer } from './each-container.js';

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
  return forEachContainer(store, positionals, ctx, async (rec) => {
    await startContainer(store, rec);
  });
}
