// `sandbox rm [-f] [-v] CONTAINER...`: remove stopped containers (running ones with -f, SIGKILLed
// first); -v takes the container's anonymous volumes with it (named ones stay, as with docker).
// A name that is already gone under -f is not an error, as with docker.
// `run -d --rm` has its monitor exec `rm -v ID` once the container has ended (launch.ts).
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
  const paths = sandboxPaths(ctx.env);
  const store = new ContainerStore(paths);
  const unpacker = nativeUnpacker({ monitor: monitorPath(ctx.env) });
  const removeTree = (p: string[]) => unpacker.remove(p);
  let failed = false;
  for (const ref of positionals) {
    try {
      const rec = await store.find(ref).catch((err: Error) => {
        if (options.force && err.message.startsWith('No such container')) return undefined;
        throw err;
      });
      if (rec) {
        const volumes = options.volumes ? await import('../../state/volumes.js').then((m) => new m.VolumeStore(paths)) : undefined;
        // Read before the container's config goes with it.
        const anonymous = volumes ? await volumes.anonymousOf(store.dir(rec.id)) : [];
        await removeContainer(store, rec, options.force, removeTree);
        // A volume another container still uses stays (docker's rm -v says nothing either).
        for (const v of anonymous) await volumes!.remove(v, removeTree).catch(() => undefined);
      }
      ctx.stdout.write(`${ref}\n`);
    } catch (err) {
      failed = true;
      ctx.stderr.write(`sandbox: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  return failed ? 1 : 0;
}
