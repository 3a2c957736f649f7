// `sandbox kill [-s SIG] CONTAINER...`: one signal (default KILL) to each container's init.
import type { CommandContext } from '../context.js';
import { parseCommandArgs } from '../parse.js';
import { killOptions } from '../command-options.js';
import { findCommand } from '../command-table.js';
import { sandboxPaths } from '../../state/paths.js';
import { ContainerStore } from '../../state/containers.js';
import { parseSignal, signalContainer } from '../../runtime/lifecycle.js';
import { forEachContainer } from './each-container.js';

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const { options, positionals } = parseCommandArgs(killOptions, args, 'kill', findCommand('kill'));
  const sig = parseSignal(options.signal ?? 'KILL');
  const store = new ContainerStore(sandboxPaths(ctx.env));
  return forEachContainer(store, positionals, ctx, (rec) => signalContainer(store, rec, sig));
}
