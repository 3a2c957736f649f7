// `sandbox rename CONTAINER NEW_NAME`: names are unique (checked under the names lock).
import type { CommandContext } from '../context.js';
import { parseCommandArgs } from '../parse.js';
import { renameOptions } from '../command-options.js';
import { findCommand } from '../command-table.js';
import { sandboxPaths } from '../../state/paths.js';
import { ContainerStore } from '../../state/containers.js';
import { UsageError } from '../../errors.js';
import { renameOnNetworks } from '../../network/rename.js';

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const { positionals } = parseCommandArgs(renameOptions, args, 'rename', findCommand('rename'));
  const [ref, name] = positionals as [string, string];
  const bare = name.replace(/^\//, '');
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(bare)) {
    throw new UsageError(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  const paths = sandboxPaths(ctx.env);
  const store = new ContainerStore(paths);
  const rec = await store.find(ref);
  // Under the container's lock (as start, stop and rm): a start can't join
  // its networks with the old name while the members and the switch learn the new one.
  await store.withContainerLock(rec.id, async () => renameOnNetworks(paths, store, await store.rename(rec, bare)));
  return 0;
}
