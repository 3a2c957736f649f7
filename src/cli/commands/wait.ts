// `sandbox wait CONTAINER...`: block until each container stops, then print its exit code.
// While waiting, a marker (lifecycle.waiterMarker) holds off the removal of an --rm container
// until its code has been read.
import { rm, writeFile } from 'node:fs/promises';
import type { CommandContext } from '../context.js';
import { parseCommandArgs } from '../parse.js';
import { waitOptions } from '../command-options.js';
import { findCommand } from '../command-table.js';
import { sandboxPaths } from '../../state/paths.js';
import { ContainerStore } from '../../state/containers.js';
import { settle, waitStopped, waiterMarker } from '../../runtime/lifecycle.js';
import { forEachContainer } from './each-container.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const { positionals } = parseCommandArgs(waitOptions, args, 'wait', findCommand('wait'));
  const store = new ContainerStore(sandboxPaths(ctx.env));
  return forEachContainer(store, positionals, ctx, async (rec) => {
    const marker = waiterMarker(store.dir(rec.id));
    await writeFile(marker, '', { mode: 0o600 }).catch(() => undefined);
    try {
      for (;;) {
        await waitStopped(store, rec);
        const now = await settle(store, await store.read(rec.id));
        // A created container that was never started: docker waits for it to run and stop.
        if (now.status !== 'created') return String(now.exitCode ?? (now.status === 'dead' ? 255 : 0));
        await sleep(100);
      }
    } finally {
      await rm(marker, { force: true });
    }
  });
}
