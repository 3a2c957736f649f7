// `sandbox tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]`: a second name for an image (the name is
// taken from whichever image had it). Silent on success, as docker is.
import { ImageError } from '../../errors.js';
import { ImageNotFoundError, lookupImage } from '../../image/image-index.js';
import { parseReference } from '../../image/reference.js';
import { ImageStore } from '../../image/store.js';
import { sandboxPaths } from '../../state/paths.js';
import { tagOptions } from '../command-options.js';
import { findCommand } from '../command-table.js';
import type { CommandContext } from '../context.js';
import { parseCommandArgs } from '../parse.js';

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const { positionals } = parseCommandArgs(tagOptions, args, 'tag', findCommand('tag'));
  const [source, target] = positionals as [string, string];
  const ref = parseReference(target);
  if (ref.digest !== undefined) throw new ImageError(`refusing to create a tag with a digest reference: ${target}; give NAME[:TAG]`);
  const store = new ImageStore(sandboxPaths(ctx.env));
  let id;
  try {
    id = lookupImage(await store.readIndex(), source).id;
  } catch (err) {
    if (!(err instanceof ImageNotFoundError)) throw err;
    let shown = source;
    try {
      shown = parseReference(source).familiar;
    } catch {
      /* an id prefix: shown as typed */
    }
    throw new ImageError(`No such image: ${shown}`);
  }
  await store.tag(id, ref.canonical);
  return 0;
}
