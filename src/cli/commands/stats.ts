// `sandbox stats [--no-stream] [--format F] [CONTAINER...]`: CPU, memory, pids and block I/O of
// running containers, read from each one's cgroup (its path is in <state-dir>/cgroup.json).
// CPU % needs two samples: one second apart, as docker's daemon collects them.
import type { CommandContext } from '../context.js';
import { parseCommandArgs } from '../parse.js';
import { statsOptions } from '../command-options.js';
import { findCommand } from '../command-table.js';
import { sandboxPaths } from '../../state/paths.js';
import { ContainerStore, type ContainerRecord } from '../../state/containers.js';
import { observe } from '../../state/observe.js';
import { renderRows } from '../../format/template.js';
import { readCgroupRecord } from '../../cgroups/plan.js';
import { hostMemory, readCgroupSample, statsRow, statsTable, type CgroupSample } from '../../cgroups/stats.js';

const INTERVAL_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const { options, positionals } = parseCommandArgs(statsOptions, args, 'stats', findCommand('stats'));
  const store = new ContainerStore(sandboxPaths(ctx.env));
  // Named containers are looked up once: an unknown name is docker's error, exit 1.
  const named = await Promise.all(positionals.map((ref) => store.find(ref)));

  const pick = async (): Promise<{ rec: ContainerRecord; ref: string }[]> => {
    if (named.length > 0) return Promise.all(named.map(async (r, i) => ({ rec: await observe(r, store.dir(r.id)), ref: positionals[i]! })));
    const all = await Promise.all((await store.list()).map((r) => observe(r, store.dir(r.id))));
    return all.filter((r) => options.all || r.status === 'running').map((rec) => ({ rec, ref: rec.id.slice(0, 12) }));
  };
  const sample = async (rec: ContainerRecord): Promise<CgroupSample | undefined> => {
    if (rec.status !== 'running') return undefined;
    const cg = await readCgroupRecord(store.dir(rec.id));
    return cg ? readCgroupSample(cg.path).catch(() => undefined) : undefined;
  };
  const format = options.format === undefined || options.format === '' ? 'table' : options.format;

  let previous = new Map<string, CgroupSample | undefined>();
  for (let first = true; ; first = false) {
    const shown = await pick();
    const now = new Map(await Promise.all(shown.map(async ({ rec }) => [rec.id, await sample(rec)] as const)));
    if (first) {
      // The first CPU % needs a second sample: wait one interval before the first screen.
      await sleep(INTERVAL_MS);
      previous = now;
      for (const { rec } of shown) now.set(rec.id, await sample(rec));
    }
    const rows = shown.map(({ rec, ref }) =>
      statsRow({ container: ref, id: rec.id, name: rec.name, before: previous.get(rec.id), after: now.get(rec.id), hostMemory: hostMemory(), noTrunc: options.noTrunc }),
    );
    const text = renderRows(format, rows, statsTable);
    if (options.noStream) {
      ctx.stdout.write(text);
      return 0;
    }
    // docker redraws in place: clear the screen, cursor home.
    ctx.stdout.write(`\x1b[2J\x1b[H${text}`);
    previous = now;
    await sleep(INTERVAL_MS);
  }
}
