// `sandbox info [--format json]`: what this host offers this user, with a fix for each gap.
import type { CommandContext } from '../context.js';
import { parseCommandArgs } from '../parse.js';
import { infoOptions } from '../command-options.js';
import { UsageError } from '../../errors.js';
import { sandboxPaths } from '../../state/paths.js';
import { gatherHostInfo } from '../../runtime/host-info.js';
import { formatHostInfo } from '../../format/info.js';
import { packageVersion } from '../package-version.js';

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const { options } = parseCommandArgs(infoOptions, args, 'info', { maxArgs: 0, usage: 'sandbox info [OPTIONS]', summary: 'Display system-wide information' });
  if (options.format !== undefined && options.format !== 'json') {
    throw new UsageError(`unsupported --format '${options.format}' for info: use --format json`);
  }
  const info = await gatherHostInfo(sandboxPaths(ctx.env), ctx.env, await packageVersion());
  ctx.stdout.write(options.format === 'json' ? JSON.stringify(info, null, 2) + '\n' : formatHostInfo(info));
  return 0;
}
