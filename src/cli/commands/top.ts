// `sandbox top CONTAINER [ps OPTIONS]`: the host's `ps` (default -ef, as docker) limited to the
// container's processes: those in the pid namespace of its init.
import { execFile } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { promisify } from 'node:util';
import type { CommandContext } from '../context.js';
import { parseCommandArgs } from '../parse.js';
import { waitOptions } from '../command-options.js';
import { findCommand } from '../command-table.js';
import { sandboxPaths } from '../../state/paths.js';
import { ContainerStore } from '../../state/containers.js';
import { gatherFacts, effectiveRecord } from '../../state/observe.js';
import { StateError } from '../../errors.js';

const pidNamespace = (pid: number | string): string | undefined => {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
};

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const { positionals } = parseCommandArgs(waitOptions, args, 'top', findCommand('top'));
  const [ref, ...psArgs] = positionals as [string, ...string[]];
  const store = new ContainerStore(sandboxPaths(ctx.env));
  const rec = await store.find(ref);
  const facts = await gatherFacts(rec, store.dir(rec.id));
  const pid = facts.pidFromFile;
  const ns = pid !== undefined && facts.monitorAlive && effectiveRecord(rec, facts).status === 'running' ? pidNamespace(pid) : undefined;
  if (!ns) throw new StateError(`container ${rec.id} is not running`);
  const opts = psArgs.length ? psArgs : ['-ef'];
  const { stdout } = await promisify(execFile)('ps', opts, { maxBuffer: 16 << 20 });
  const [header, ...rows] = stdout.split('\n').filter(Boolean);
  const pidCol = header!.trim().split(/\s+/).indexOf('PID');
  if (pidCol < 0) throw new StateError(`Couldn't find PID field in ps output`);
  const mine = rows.filter((r) => pidNamespace(r.trim().split(/\s+/)[pidCol]!) === ns);
  ctx.stdout.write([header, ...mine].join('\n') + '\n');
  return 0;
}
