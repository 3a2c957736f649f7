// `sandbox ps`: the containers of this user, as docker lists them. Each record is looked at
// with its facts (exit file, monitor alive), so a detached container that ended shows Exited
// and one whose monitor was killed shows Dead.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandContext } from '../context.js';
import { parseCommandArgs } from '../parse.js';
import { psOptions } from '../command-options.js';
import { findCommand } from '../command-table.js';
import { sandboxPaths } from '../../state/paths.js';
import { ContainerStore } from '../../state/containers.js';
import { observe } from '../../state/observe.js';
import { ImageStore } from '../../image/store.js';
import { filterContainers, formatPs, formatWantsNetworks, formatWantsSize, parsePsFilters, type ContainerSize, type NetworkRef } from '../../format/ps.js';
import { containerNetworks } from '../../network/builtin.js';
import { containerLayout } from '../../oci/generate.js';
import type { RuntimeConfig } from '../../oci/types.js';

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const { options } = parseCommandArgs(psOptions, args, 'ps', findCommand('ps'));
  const filters = parsePsFilters(options.filter);
  const paths = sandboxPaths(ctx.env);
  const store = new ContainerStore(paths);
  const all = await Promise.all((await store.list()).map((r) => observe(r, store.dir(r.id))));
  all.sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));

  // `ancestor=` names an image: resolve each value once to its id (an unknown image matches nothing).
  const images = new ImageStore(paths);
  const ancestorIds = new Map<string, string | undefined>();
  for (const f of filters.filter((x) => x.key === 'ancestor')) {
    ancestorIds.set(f.value, await images.resolveImage(f.value).then((i) => i.id, () => undefined));
  }
  const ancestorMatches = (value: string, rec: { image: string; imageId: string }) => {
    const id = ancestorIds.get(value);
    if (id !== undefined && id === rec.imageId) return true;
    const bare = value.replace(/^sha256:/, '');
    return rec.image === value || (bare.length >= 4 && rec.imageId.replace(/^sha256:/, '').startsWith(bare));
  };

  // `network=` and {{.Networks}}: each container's networks, from its runtime config.
  let networks: Map<string, NetworkRef[]> | undefined;
  if (filters.some((f) => f.key === 'network') || (formatWantsNetworks(options.format) && !options.quiet)) {
    networks = new Map();
    for (const c of all) {
      const text = await readFile(containerLayout(store.dir(c.id)).config, 'utf8').catch(() => undefined);
      networks.set(c.id, containerNetworks(text === undefined ? undefined : (JSON.parse(text) as RuntimeConfig)));
    }
  }

  let shown = filterContainers(all, filters, { ancestorMatches, all, ...(networks ? { networks } : {}) });
  const last = options.latest ? 1 : Number(options.last ?? -1);
  if (last >= 0) shown = shown.slice(0, last);
  else if (!options.all && !filters.some((f) => f.key === 'status' || f.key === 'exited')) shown = shown.filter((c) => c.status === 'running');
  // -s (or a format with .Size): the writable layer is the container's upper dir; virtual adds
  // the image's layers, as docker counts them.
  let sizes: Map<string, ContainerSize> | undefined;
  if ((options.size || formatWantsSize(options.format)) && !options.quiet) {
    const { treeSize } = await import('../../image/disk-usage.js');
    const { imageSize } = await import('../../format/images.js');
    const imageBytes = new Map<string, number>((await images.listImages()).map((i) => [i.id, imageSize(i)]));
    sizes = new Map();
    for (const c of shown) sizes.set(c.id, { rw: await treeSize(join(store.dir(c.id), 'upper')), image: imageBytes.get(c.imageId) ?? 0 });
  }
  ctx.stdout.write(formatPs(shown, { quiet: options.quiet, noTrunc: options.noTrunc, format: options.format, sizes, networks }, new Date()));
  return 0;
}
