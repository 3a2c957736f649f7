// `sandbox rm [-f] CONTAINER...`: remove stopped containers (running ones with -f, SIGKILLed
// first). A name that is already gone under -f is not an error, as with docker.
import type { CommandContext } from '../context.js';
import { parseCommandArgs } from '../parse.js';
import { rmOptions } from '../command-options.js';
import { findCommand } from '../command-table.js';
import { sandboxPaths } from '../../state/paths.js';
import { ContainerStore } from '../../state/containers.js';
import { removeContainer } from '../../runtime/lifecycle.js';
import { nativeUnpacker } from '../../image/unpacker.js';
import { monitorPath } from '../../runtime/paths.js';

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const { options, positionals } = parseCommandArgs(rmOptions, args, 'rm', findCommand('rm'));
  const store = new ContainerStore(sandboxPaths(ctx.env));
  const unpacker = nativeUnpacker({ monitor: monitorPath(ctx.env) });
  let failed = false;
  for (const ref of positionals) {
    try {
      const rec = await store.find(ref).catch((err: Error) => {
        if (options.force && err.message.startsWith('No such container')) return undefined;
        throw err;
      });
      if (rec) await removeContainer(store, rec, options.force, (p) => unpacker.remove(p));
      ctx.stdout.write(`${ref}\n`);
    } catch (err) {
      failed = true;
      ctx.stderr.write(`sandbox: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  return failed ? 1 : 0;
}
