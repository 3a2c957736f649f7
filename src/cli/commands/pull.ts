// `sandbox pull [-q] [-a] [--platform P] [--tls-verify=false] NAME[:TAG|@DIGEST]`: docker's
// output on stdout (per-layer lines redrawn on a terminal, plain lines otherwise, then Digest,
// Status and the full name); with -q only the full name. src/image/pull.ts does the work.
import { ImageError } from '../../errors.js';
import { parsePlatform } from '../../image/platform.js';
import { listRemoteTags, pullImage, pullReference, type PullResult } from '../../image/pull.js';
import { progressFor, silentProgress } from '../../image/pull-progress.js';
import { parseReference } from '../../image/reference.js';
import { ImageStore } from '../../image/store.js';
import { nativeUnpacker } from '../../image/unpacker.js';
import { monitorPath } from '../../runtime/paths.js';
import { sandboxPaths } from '../../state/paths.js';
import { pullOptions } from '../command-options.js';
import { findCommand } from '../command-table.js';
import type { CommandContext } from '../context.js';
import { parseCommandArgs } from '../parse.js';

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const { options, positionals } = parseCommandArgs(pullOptions, args, 'pull', findCommand('pull'));
  const input = positionals[0]!;
  const store = new ImageStore(sandboxPaths(ctx.env));
  const progress = options.quiet ? silentProgress : progressFor(ctx.stdout);
  const common = {
    env: ctx.env,
    unpacker: nativeUnpacker({ monitor: monitorPath(ctx.env) }),
    progress,
    tlsVerify: options.tlsVerify,
    ...(options.platform !== undefined ? { platform: parsePlatform(options.platform) } : {}),
  };

  if (options.allTags) {
    const { ref, defaultTag } = pullReference(input);
    if (!defaultTag) throw new ImageError('tag can\'t be used with --all-tags/-a');
    const { tags, client } = await listRemoteTags(ref, common);
    if (tags.length === 0) throw new ImageError(`repository ${ref.familiar.replace(/:latest$/, '')} has no tags to pull`);
    let upToDate = true;
    for (const tag of tags) {
      const tagged = parseReference(`${ref.registry}/${ref.repository}:${tag}`);
      const r: PullResult = await pullImage(tagged, store, { ...common, client });
      progress.line(`Digest: ${r.digest}`);
      upToDate &&= r.upToDate;
    }
    const repo = ref.familiar.replace(/:latest$/, '');
    progress.line(`Status: ${upToDate ? 'Image is up to date' : 'Downloaded newer image'} for ${repo}`);
    ctx.stdout.write(`${ref.canonical.replace(/:latest$/, '')}\n`);
    return 0;
  }

  const { ref, defaultTag } = pullReference(input);
  if (defaultTag) progress.line('Using default tag: latest');
  const result = await pullImage(ref, store, common);
  progress.line(`Digest: ${result.digest}`);
  progress.line(`Status: ${result.upToDate ? 'Image is up to date' : 'Downloaded newer image'} for ${ref.familiar}`);
  ctx.stdout.write(`${ref.canonical}\n`);
  return 0;
}
