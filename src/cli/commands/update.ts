// `sandbox update [OPTIONS] CONTAINER...`: change the limits of running containers, in place,
// by writing their cgroup files (the same mapping as run's, src/cgroups). Like docker, it
// prints each container as it is updated.
import { readFile, writeFile, access } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CommandContext } from '../context.js';
import { parseCommandArgs } from '../parse.js';
import { updateOptions } from '../command-options.js';
import { findCommand } from '../command-table.js';
import { sandboxPaths } from '../../state/paths.js';
import { ContainerStore } from '../../state/containers.js';
import { observe } from '../../state/observe.js';
import { HostError, UsageError } from '../../errors.js';
import { readCgroupRecord } from '../../cgroups/plan.js';
import { cgroupFilesFor } from '../../cgroups/files.js';
import { resourceLimitsFrom } from '../../cgroups/limits.js';
import { onlineCpuCount, resolveBlockDevice } from '../../cgroups/host.js';
import { enforcedFlags } from '../../cgroups/request.js';

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const { options, positionals } = parseCommandArgs(updateOptions, args, 'update', findCommand('update'));
  const { limits } = resourceLimitsFrom(
    {
      ...options,
      memorySwappiness: undefined, kernelMemory: undefined, oomKillDisable: false,
      blkioWeightDevice: [], deviceReadBps: [], deviceWriteBps: [], deviceReadIops: [], deviceWriteIops: [],
    },
    resolveBlockDevice,
    onlineCpuCount(),
  );
  if (enforcedFlags(limits).length === 0) throw new UsageError("You must provide one or more flags when using this command.", "See 'sandbox update --help'.");
  const { controllers, writes } = cgroupFilesFor(limits);

  const store = new ContainerStore(sandboxPaths(ctx.env));
  let failed = false;
  for (const ref of positionals) {
    try {
      const found = await store.find(ref);
      const rec = await observe(found, store.dir(found.id));
      if (rec.status !== 'running') throw new HostError(`Cannot update container ${ref}: it is not running`);
      const cg = await readCgroupRecord(store.dir(rec.id));
      if (!cg) throw new HostError(`Cannot update container ${ref}: it has no cgroup of its own (started with --cgroups=disabled, or on a host without cgroup v2 delegation)`);
      // A controller the container was started without is enabled now, in the scope above it.
      const subtree = join(dirname(cg.path), 'cgroup.subtree_control');
      const enabled = (await readFile(subtree, 'utf8')).trim().split(/\s+/);
      const missing = controllers.filter((c) => !enabled.includes(c));
      if (missing.length > 0) await writeFile(subtree, missing.map((c) => `+${c}`).join(' '));
      for (const w of writes) {
        const file = join(cg.path, w.file);
        const exists = await access(file).then(() => true, () => false);
        if (!exists && w.fallback) await writeFile(join(cg.path, w.fallback.file), w.fallback.value);
        else await writeFile(file, w.value);
      }
      ctx.stdout.write(`${ref}\n`);
    } catch (err) {
      failed = true;
      ctx.stderr.write(`sandbox: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  return failed ? 1 : 0;
}
