// `sandbox load [-i FILE]`: a docker-archive or oci-archive from a file or stdin, verified and
// unpacked into the store (src/image/load.ts does the work).
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { CommandContext } from '../context.js';
import { parseCommandArgs } from '../parse.js';
import { loadOptions } from '../command-options.js';
import { ImageError } from '../../errors.js';
import { sandboxPaths } from '../../state/paths.js';
import { ImageStore } from '../../image/store.js';
import { loadArchive, loadedLines } from '../../image/load.js';
import { nativeUnpacker } from '../../image/unpacker.js';

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const { options } = parseCommandArgs(loadOptions, args, 'load', { maxArgs: 0, usage: 'sandbox load [OPTIONS]', summary: 'Load an image from a tar archive or STDIN' });
  let source: string | Readable;
  if (options.input !== undefined) {
    source = options.input;
    // Open early so a missing file is one clear line, not a stream error later.
    await new Promise<void>((resolve, reject) => {
      const s = createReadStream(options.input!);
      s.once('open', () => { s.destroy(); resolve(); });
      s.once('error', (err: NodeJS.ErrnoException) => reject(new ImageError(`cannot read archive ${options.input}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`)));
    });
  } else {
    if ((ctx.stdin as NodeJS.ReadStream).isTTY) {
      throw new ImageError('requested load from stdin, but stdin is empty', "Give an archive with -i FILE, or pipe one in: sandbox load < image.tar");
    }
    source = ctx.stdin as Readable;
  }
  const result = await loadArchive(source, new ImageStore(sandboxPaths(ctx.env)), nativeUnpacker());
  for (const line of loadedLines(result)) ctx.stdout.write(line + '\n');
  return 0;
}
