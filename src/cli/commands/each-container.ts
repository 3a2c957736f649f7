// docker's multi-container commands (stop, kill, rm, start, restart, wait): act on each name
// in turn, print it on success, one `sandbox:` line per failure, exit 1 if any failed.
import type { CommandContext } from '../context.js';
import type { ContainerRecord, ContainerStore } from '../../state/containers.js';

export async function forEachContainer(
  store: ContainerStore,
  refs: readonly string[],
  ctx: CommandContext,
  act: (rec: ContainerRecord) => Promise<string | void>,
): Promise<number> {
  let failed = false;
  for (const ref of refs) {
    try {
      const rec = await store.find(ref);
      const out = await act(rec);
      ctx.stdout.write(`${out ?? ref}\n`);
    } catch (err) {
      failed = true;
      ctx.stderr.write(`sandbox: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  return failed ? 1 : 0;
}
