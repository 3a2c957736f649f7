// `sandbox rmi [-f] IMAGE...` (and `sandbox image rm`): docker's untag/delete rules
// (src/image/remove.ts), its Untagged:/Deleted: lines, and its conflict errors for images a
// container uses. Each image is removed in its own locked step; a failure is reported and the
// next image still tried, then the command fails.
import { describeError } from '../error-output.js';
import { planImageDelete } from '../../image/remove.js';
import { ImageStore } from '../../image/store.js';
import { nativeUnpacker } from '../../image/unpacker.js';
import { monitorPath } from '../../runtime/paths.js';
import { ContainerStore } from '../../state/containers.js';
import { sandboxPaths } from '../../state/paths.js';
import { rmiOptions } from '../command-options.js';
import { findCommand } from '../command-table.js';
import type { CommandContext } from '../context.js';
import { parseCommandArgs } from '../parse.js';

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const { options, positionals } = parseCommandArgs(rmiOptions, args, 'rmi', findCommand('rmi'));
  const paths = sandboxPaths(ctx.env);
  const store = new ImageStore(paths);
  const containers = await new ContainerStore(paths).list();
  const unpacker = nativeUnpacker({ monitor: monitorPath(ctx.env) });
  let failures: unknown[] = [];
  for (const target of positionals) {
    try {
      let lines: string[] = [];
      const { removedLayers } = await store.removeImages((index) => {
        const plan = planImageDelete(index, target, options.force, containers);
        lines = plan.lines;
        return plan;
      }, unpacker);
      for (const l of [...lines, ...removedLayers.map((c) => `Deleted: ${c}`)]) ctx.stdout.write(`${l}\n`);
    } catch (err) {
      if (positionals.length === 1) throw err;
      failures = [...failures, err];
      ctx.stderr.write(describeError(err, ctx.logLevel === 'debug').text);
    }
  }
  return failures.length > 0 ? 125 : 0;
}
