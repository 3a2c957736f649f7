// `sandbox images [OPTIONS] [REPOSITORY[:TAG]]` (and `sandbox image ls`): docker's table, or
// IDs with -q, or a --format template; filters reference=, dangling=, label=, before=, since=.
import { filterImages, formatImages, parseImageFilters } from '../../format/images.js';
import { parseImageConfig } from '../../image/config.js';
import { lookupImage, type ImageRecord } from '../../image/image-index.js';
import { ImageStore } from '../../image/store.js';
import { sandboxPaths } from '../../state/paths.js';
import { imagesOptions } from '../command-options.js';
import { findCommand } from '../command-table.js';
import type { CommandContext } from '../context.js';
import { parseCommandArgs } from '../parse.js';

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const { options, positionals } = parseCommandArgs(imagesOptions, args, 'images', findCommand('images'));
  const filters = parseImageFilters(options.filter);
  if (positionals[0] !== undefined) filters.reference.push(positionals[0]);
  const store = new ImageStore(sandboxPaths(ctx.env));
  const index = await store.readIndex();

  // Labels live in the configs: read them only when a label filter needs them.
  const labels = new Map<string, Record<string, string>>();
  if (filters.label.length > 0) {
    for (const r of index.images) {
      const config = parseImageConfig(await store.readBlob(r.configDigest), r.configDigest);
      labels.set(r.id, config.config?.Labels ?? {});
    }
  }
  const records = filterImages(
    index.images,
    filters,
    (r: ImageRecord) => labels.get(r.id) ?? {},
    (refOrId) => lookupImage(index, refOrId).created,
  );
  ctx.stdout.write(formatImages(records, { quiet: options.quiet, digests: options.digests, noTrunc: options.noTrunc, format: options.format, now: new Date() }));
  return 0;
}
