// `sandbox port CONTAINER [PRIVATE_PORT[/PROTO]]`: the container's published ports, as docker
// prints them (`8080/tcp -> 0.0.0.0:32768`). The monitor records the ports it actually bound
// (ports.json in the container's directory), so -P's kernel-chosen ports show up too.
import type { CommandContext } from '../context.js';
import { parseCommandArgs } from '../parse.js';
import { waitOptions } from '../command-options.js';
import { findCommand } from '../command-table.js';
import { sandboxPaths } from '../../state/paths.js';
import { ContainerStore } from '../../state/containers.js';
import { SpecError } from '../../errors.js';
import { formatPortLines } from '../../network/ports-format.js';
import { readPublishedPorts } from '../../network/runtime.js';

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const { positionals } = parseCommandArgs(waitOptions, args, 'port', findCommand('port'));
  const store = new ContainerStore(sandboxPaths(ctx.env));
  const rec = await store.find(positionals[0]!);
  const running = rec.status === 'running';
  const ports = running ? await readPublishedPorts(store.dir(rec.id)) : [];
  const filter = positionals[1];
  const lines = formatPortLines(ports, filter);
  if (filter !== undefined && lines.length === 0) throw new SpecError(`No public port '${filter.includes('/') ? filter : `${filter}/tcp`}' published for ${positionals[0]}`);
  for (const l of lines) ctx.stdout.write(`${l}\n`);
  return 0;
}
