// `sandbox restart [-t N] [-s SIG] CONTAINER...`: stop (as `stop`), then start detached.
import type { CommandContext } from '../context.js';
import { parseCommandArgs } from '../parse.js';
import { stopOptions } from '../command-options.js';
import { findCommand } from '../command-table.js';
import { sandboxPaths } from '../../state/paths.js';
import { ContainerStore } from '../../state/containers.js';
import { parseSignal, startContainer, stopContainer } from '../../runtime/lifecycle.js';
import { forEachContainer } from './each-container.js';

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const { options, positionals } = parseCommandArgs(stopOptions, args, 'restart', findCommand('restart'));
  const sig = parseSignal(options.signal ?? 'SIGTERM');
  const store = new ContainerStore(sandboxPaths(ctx.env));
  return forEachContainer(store, positionals, ctx, async (rec) => {
    const stopped = await stopContainer(store, rec, options.time !== undefined ? Number(options.time) : 10, sig);
    await startContainer(store, stopped);
  });
}
