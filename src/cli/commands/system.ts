// `sandbox system df`: docker's disk-usage table (TYPE TOTAL ACTIVE SIZE RECLAIMABLE) for
// images, containers, local volumes and build cache, or a --format template per row.
import { join } from 'node:path';
import { UsageError } from '../../errors.js';
import { renderRows } from '../../format/template.js';
import { containerUsage, dfTable, imageUsage, treeSize, usageRows } from '../../image/disk-usage.js';
import { ImageStore } from '../../image/store.js';
import { shiftedCopiesSize } from '../../storage/shifted-layers.js';
import { ContainerStore } from '../../state/containers.js';
import { sandboxPaths } from '../../state/paths.js';
import { systemDfOptions } from '../command-options.js';
import type { CommandSpec } from '../command-table.js';
import type { CommandContext } from '../context.js';
import { commandHelp } from '../help.js';
import { parseCommandArgs } from '../parse.js';

const dfSpec: CommandSpec = {
  name: 'system df',
  summary: 'Show sandbox disk usage',
  usage: 'sandbox system df [OPTIONS]',
  options: systemDfOptions,
  maxArgs: 0,
};

async function df(args: string[], ctx: CommandContext): Promise<number> {
  const { options } = parseCommandArgs(systemDfOptions, args, 'system df', dfSpec);
  if (options.help) {
    ctx.stdout.write(commandHelp(dfSpec));
    return 0;
  }
  const paths = sandboxPaths(ctx.env);
  const images = await new ImageStore(paths).listImages();
  const containerStore = new ContainerStore(paths);
  const containers = await containerStore.list();
  const store = new ImageStore(paths);
  const shifted = new Map<string, number>();
  for (const chain of new Set(images.flatMap((i) => i.layers.map((l) => l.chainId)))) {
    const bytes = await shiftedCopiesSize(store.layerPath(chain));
    if (bytes > 0) shifted.set(chain, bytes);
  }
  const rows = usageRows(
    imageUsage(images, containers, shifted),
    await containerUsage(containers, (c) => treeSize(join(containerStore.dir(c.id), 'upper'))),
  );
  ctx.stdout.write(renderRows(options.format ?? 'table', rows, dfTable));
  return 0;
}

export function systemHelp(): string {
  return ['Usage:  sandbox system COMMAND', '', 'Manage sandbox', '', 'Commands:', `  df   ${dfSpec.summary}`, '', "Run 'sandbox system COMMAND --help' for more information on a command.", ''].join('\n');
}

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h') {
    ctx.stdout.write(systemHelp());
    return 0;
  }
  if (name === 'df') return df(rest, ctx);
  throw new UsageError(`unknown command "${name}" for "sandbox system"`, "See 'sandbox system --help'.");
}
