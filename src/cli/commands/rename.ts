// `sandbox rename CONTAINER NEW_NAME`: names are unique (checked under the names lock).
import type { CommandContext } from '../context.js';
import { parseCommandArgs } from '../parse.js';
import { renameOptions } from '../command-options.js';
import { findCommand } from '../command-table.js';
import { sandboxPaths } from '../../state/paths.js';
import { ContainerStore } from '../../state/containers.js';
import { UsageError } from '../../errors.js';

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const { positionals } = parseCommandArgs(renameOptions, args, 'rename', findCommand('rename'));
  const [ref, name] = positionals as [string, string];
  const bare = name.replace(/^\//, '');
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(bare)) {
    throw new UsageError(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  const store = new ContainerStore(sandboxPaths(ctx.env));
  await store.rename(await store.find(ref), bare);
  return 0;
}
