// `sandbox import [-c INSTRUCTION]... [-m MESSAGE] [--platform P] FILE|- [REPOSITORY[:TAG]]`:
// a root filesystem tarball as a one-layer image; prints its id, as docker does.
import type { Readable } from 'node:stream';
import { ImageError } from '../../errors.js';
import { importTarball } from '../../image/import.js';
import { parsePlatform } from '../../image/platform.js';
import { parseReference } from '../../image/reference.js';
import { ImageStore } from '../../image/store.js';
import { nativeUnpacker } from '../../image/unpacker.js';
import { monitorPath } from '../../runtime/paths.js';
import { sandboxPaths } from '../../state/paths.js';
import { importOptions } from '../command-options.js';
import { findCommand } from '../command-table.js';
import type { CommandContext } from '../context.js';
import { parseCommandArgs } from '../parse.js';

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const { options, positionals } = parseCommandArgs(importOptions, args, 'import', findCommand('import'));
  const [file, name] = positionals as [string, string | undefined];
  if (/^https?:\/\//.test(file)) throw new ImageError(`importing from a URL is not supported: download ${file} first and import the file`);
  let ref;
  if (name !== undefined) {
    ref = parseReference(name);
    if (ref.digest !== undefined) throw new ImageError(`cannot import to ${name}: give REPOSITORY[:TAG], not a digest`);
  }
  let source: string | Readable = file;
  if (file === '-') {
    if ((ctx.stdin as NodeJS.ReadStream).isTTY) throw new ImageError('import from stdin, but stdin is a terminal', "Pipe a tarball in: sandbox import - < rootfs.tar");
    source = ctx.stdin as Readable;
  }
  const id = await importTarball(source, new ImageStore(sandboxPaths(ctx.env)), nativeUnpacker({ monitor: monitorPath(ctx.env) }), {
    sourceName: file,
    changes: options.change,
    ...(options.message !== undefined ? { message: options.message } : {}),
    ...(options.platform !== undefined ? { platform: parsePlatform(options.platform) } : {}),
    ...(ref ? { name: ref.canonical } : {}),
  });
  ctx.stdout.write(`${id}\n`);
  return 0;
}
