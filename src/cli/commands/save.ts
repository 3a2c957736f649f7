// `sandbox save [-o FILE] [--format docker-archive|oci-archive] IMAGE...`: to a file (written
// beside it and renamed into place, so a failed save leaves no half archive) or to stdout,
// which must not be a terminal (docker's "cowardly refusing").
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { ImageError, UsageError } from '../../errors.js';
import { ImageNotFoundError, lookupImage } from '../../image/image-index.js';
import { parseReference } from '../../image/reference.js';
import { saveArchive, type SaveFormat, type SaveItem } from '../../image/save.js';
import { ImageStore } from '../../image/store.js';
import { sandboxPaths } from '../../state/paths.js';
import { saveOptions } from '../command-options.js';
import { findCommand } from '../command-table.js';
import type { CommandContext } from '../context.js';
import { parseCommandArgs } from '../parse.js';

/** The images to save; a name given by the user is what the archive records for it. */
export function saveItems(index: Parameters<typeof lookupImage>[0], targets: string[]): SaveItem[] {
  const items = new Map<string, SaveItem>();
  for (const t of targets) {
    let record;
    try {
      record = lookupImage(index, t);
    } catch (err) {
      if (err instanceof ImageNotFoundError) throw new ImageError(`No such image: ${t}`);
      throw err;
    }
    const item = items.get(record.id) ?? { record, names: [] };
    let named: string | undefined;
    try {
      const ref = parseReference(t);
      if (ref.digest === undefined && record.names.includes(ref.canonical)) named = ref.canonical;
    } catch {
      /* an id */
    }
    // By id: every name the image has (docker saves its tags too).
    const names = named ? [named] : record.names;
    item.names = [...new Set([...item.names, ...names])];
    items.set(record.id, item);
  }
  return [...items.values()];
}

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const { options, positionals } = parseCommandArgs(saveOptions, args, 'save', findCommand('save'));
  const format = (options.format ?? 'docker-archive') as SaveFormat;
  if (format !== 'docker-archive' && format !== 'oci-archive') {
    throw new UsageError(`unsupported --format '${options.format}' for save: use docker-archive or oci-archive`);
  }
  if (options.output === undefined && (ctx.stdout as NodeJS.WriteStream).isTTY) {
    throw new ImageError('cowardly refusing to save to a terminal. Use the -o flag or redirect');
  }
  const store = new ImageStore(sandboxPaths(ctx.env));
  const items = saveItems(await store.readIndex(), positionals);
  const archive = saveArchive(store, items, format);
  if (options.output === undefined) {
    // Not pipeline(): that would end() our stdout.
    for await (const chunk of archive) if (!ctx.stdout.write(chunk as Buffer)) await once(ctx.stdout, 'drain');
    return 0;
  }
  const out = options.output;
  const tmp = join(dirname(out), `.${basename(out)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await pipeline(archive, createWriteStream(tmp, { flags: 'wx', mode: 0o644 }));
    await rename(tmp, out);
  } catch (err) {
    await rm(tmp, { force: true });
    if (err instanceof ImageError) throw err;
    throw new ImageError(`cannot write ${out}: ${(err as Error).message}`);
  }
  return 0;
}
