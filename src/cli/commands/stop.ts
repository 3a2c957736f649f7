// `sandbox stop [-t N] [-s SIG] CONTAINER...`: the stop signal, then SIGKILL after N seconds
// (default 10); prints each name as given, as docker does.
import type { CommandContext } from '../context.js';
import { parseCommandArgs } from '../parse.js';
import { stopOptions } from '../command-options.js';
import { findCommand } from '../command-table.js';
import { sandboxPaths } from '../../state/paths.js';
import { ContainerStore } from '../../state/containers.js';
import { parseSignal, stopContainer } from '../../runtime/lifecycle.js';
import { forEachContainer } from './each-container.js';

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const { options, positionals } = parseCommandArgs(stopOptions, args, 'stop', findCommand('stop'));
  const sig = parseSignal(options.signal ?? 'SIGTERM');
  const store = new ContainerStore(sandboxPaths(ctx.env));
  return forEachContainer(store, positionals, ctx, async (rec) => {
    await stopContainer(store, rec, options.time !== undefined ? Number(options.time) : 10, sig);
  });
}
